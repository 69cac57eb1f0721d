// The runc-style config.json of OCISpecTests/Fixtures.swift, touching every part of the v1.2 config.
let fullConfigJSON = #"""
{
  "ociVersion": "1.2.0",
  "process": {
    "terminal": true,
    "consoleSize": { "height": 24, "width": 80 },
    "user": { "uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 10], "username": "ignored" },
    "args": ["sh", "-c", "echo \"hi\""],
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/work",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL"],
      "inheritable": [],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 }],
    "noNewPrivileges": true,
    "apparmorProfile": "berth-default",
    "oomScoreAdj": -500,
    "selinuxLabel": "system_u:system_r:container_t:s0",
    "ioPriority": { "class": "IOPRIO_CLASS_IDLE", "priority": 4 },
    "scheduler": { "policy": "SCHED_DEADLINE", "nice": -5, "priority": 10,
                   "flags": ["SCHED_FLAG_RESET_ON_FORK"], "runtime": 100, "deadline": 200, "period": 300 },
    "execCPUAffinity": { "initial": "0-1", "final": "2" }
  },
  "root": { "path": "rootfs", "readonly": true },
  "hostname": "box",
  "domainname": "example.org",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { "destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "rro"],
      "uidMappings": [{ "containerID": 0, "hostID": 100000, "size": 65536 }],
      "gidMappings": [{ "containerID": 0, "hostID": 100000, "size": 65536 }] }
  ],
  "hooks": {
    "prestart": [{ "path": "/usr/bin/fix-mounts", "args": ["fix-mounts", "arg1"], "env": ["key1=value1"] }],
    "createRuntime": [{ "path": "/usr/bin/netns-setup", "timeout": 5 }],
    "createContainer": [{ "path": "/usr/bin/cc" }],
    "startContainer": [{ "path": "/usr/bin/refresh-ldcache" }],
    "poststart": [{ "path": "/usr/bin/notify-start", "timeout": 5 }],
    "poststop": [{ "path": "/usr/sbin/cleanup.sh", "args": ["cleanup.sh", "-f"] }]
  },
  "annotations": { "com.example.key1": "value1" },
  "linux": {
    "uidMappings": [{ "containerID": 0, "hostID": 1000, "size": 32000 }],
    "gidMappings": [{ "containerID": 0, "hostID": 1000, "size": 32000 }],
    "sysctl": { "net.ipv4.ip_forward": "1" },
    "resources": {
      "devices": [
        { "allow": false, "access": "rwm" },
        { "allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw" }
      ],
      "memory": { "limit": 536870912, "reservation": 536870912, "swap": -1, "kernel": -1, "kernelTCP": -1,
                  "swappiness": 0, "disableOOMKiller": false, "useHierarchy": true, "checkBeforeUpdate": true },
      "cpu": { "shares": 1024, "quota": 1000000, "burst": 10000, "period": 500000, "realtimeRuntime": 950000,
               "realtimePeriod": 1000000, "cpus": "2-3", "mems": "0-7", "idle": 0 },
      "pids": { "limit": 32771 },
      "blockIO": {
        "weight": 10, "leafWeight": 10,
        "weightDevice": [{ "major": 8, "minor": 0, "weight": 500, "leafWeight": 300 }, { "major": 8, "minor": 16, "weight": 500 }],
        "throttleReadBpsDevice": [{ "major": 8, "minor": 0, "rate": 600 }],
        "throttleWriteBpsDevice": [{ "major": 8, "minor": 0, "rate": 700 }],
        "throttleReadIOPSDevice": [{ "major": 8, "minor": 16, "rate": 300 }],
        "throttleWriteIOPSDevice": [{ "major": 8, "minor": 16, "rate": 400 }]
      },
      "hugepageLimits": [{ "pageSize": "2MB", "limit": 209715200 }],
      "network": { "classID": 1048577, "priorities": [{ "name": "eth0", "priority": 500 }] },
      "rdma": { "mlx5_1": { "hcaHandles": 3, "hcaObjects": 10000 } },
      "unified": { "io.max": "8:0 rbps=1048576", "memory.high": "max" }
    },
    "cgroupsPath": "/myRuntime/myContainer",
    "namespaces": [
      { "type": "pid" }, { "type": "network", "path": "/var/run/netns/x" }, { "type": "ipc" },
      { "type": "uts" }, { "type": "mount" }, { "type": "user" }, { "type": "cgroup" }, { "type": "time" }
    ],
    "devices": [{ "path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0 }],
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 1,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "listenerPath": "/run/seccomp-agent.sock",
      "listenerMetadata": "meta",
      "syscalls": [
        { "names": ["getcwd", "chmod"], "action": "SCMP_ACT_ALLOW" },
        { "names": ["personality"], "action": "SCMP_ACT_ALLOW",
          "args": [{ "index": 0, "value": 8, "op": "SCMP_CMP_EQ" }, { "index": 1, "value": 255, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ" }] },
        { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38 }
      ]
    },
    "rootfsPropagation": "slave",
    "maskedPaths": ["/proc/kcore", "/sys/firmware"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811",
    "intelRdt": { "closID": "guaranteed_group", "l3CacheSchema": "L3:0=7f0;1=1f", "memBwSchema": "MB:0=20;1=70" },
    "personality": { "domain": "LINUX32", "flags": [] },
    "timeOffsets": { "monotonic": { "secs": 3600, "nanosecs": 5 }, "boottime": { "secs": -60 } }
  }
}
"""#
