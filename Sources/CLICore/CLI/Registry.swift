/// Every verb, at the top level and in the management groups (`container`, `image`, `system`, `volume`).
enum Registry {
    static var containerCommands: [Command] {
        [
            StartAttach.attach, Copy.command, Create.command, ContainerMisc.diff, Exec.command, ContainerMisc.export,
            Inspect.typed(.container, summary: "Display detailed information on one or more containers"),
            Lifecycle.kill, Logs.command, ContainerList.command.renamed("ls", aliases: ["ps", "list"]).withUsage("[OPTIONS]"),
            Lifecycle.pause, ContainerMisc.port, ContainerMisc.prune, Lifecycle.rename, Lifecycle.restart,
            Lifecycle.rm.renamed("rm", aliases: ["remove"]), Run.command, StartAttach.start, Stats.command, Lifecycle.stop,
            ContainerMisc.top, Lifecycle.unpause, ContainerMisc.update, Lifecycle.wait,
        ]
    }

    static var imageCommands: [Command] {
        [
            Images.history, ImageArchive.importCommand, Inspect.typed(.image, summary: "Display detailed information on one or more images"),
            ImageArchive.load, Images.list.renamed("ls", aliases: ["images", "list"]), Images.prune, RegistryCommands.pull,
            RegistryCommands.push,
            Images.rmi.renamed("rm", aliases: ["rmi", "remove"]).withUsage("[OPTIONS] IMAGE [IMAGE...]"), ImageArchive.save, Images.tag,
        ]
    }

    static var systemCommands: [Command] {
        [SystemDisk.df, Events.command, SystemInfo.info, SystemDisk.prune]
    }

    static var topLevel: [Command] {
        [
            Run.command, Exec.command, ContainerList.command, Images.list, RegistryCommands.pull, RegistryCommands.push,
            RegistryCommands.login, RegistryCommands.logout, SystemInfo.version, SystemInfo.info,
            .group("container", "Manage containers", containerCommands),
            .group("image", "Manage images", imageCommands),
            .group("system", "Manage Berth", systemCommands),
            .group("volume", "Manage volumes", Volumes.commands),
            StartAttach.attach, Copy.command, Create.command, ContainerMisc.diff, Events.command, ContainerMisc.export,
            Images.history, ImageArchive.importCommand, Inspect.command, Lifecycle.kill, ImageArchive.load, Logs.command,
            Lifecycle.pause, ContainerMisc.port, Lifecycle.rename, Lifecycle.restart, Lifecycle.rm, Images.rmi,
            ImageArchive.save, StartAttach.start, Stats.command, Lifecycle.stop, Images.tag, ContainerMisc.top,
            Lifecycle.unpause, ContainerMisc.update, Lifecycle.wait,
        ]
    }
}

extension Command {
    func withUsage(_ u: String) -> Command {
        var c = self
        c.usage = u
        return c
    }
}
