import Foundation
import XCTest

/// berthd driven by the Python docker SDK (7.x), the way users' scripts drive dockerd.
final class EngineSDKTests: EngineTestCase {
    func testRunLogsInspectRemove() throws {
        let r = engine.python("""
        out = client.containers.run('busybox', ['sh', '-c', 'echo sdk-out; sleep 1; echo sdk-err >&2'], stderr=True, remove=True)
        print(out.decode().strip().replace('\\n', '|'))
        c = client.containers.run('busybox', ['sleep', '1000'], detach=True, name='sdk-\(getpid())', labels={'team': 'berth'})
        c.reload()
        print(c.status, c.name, c.labels['team'], c.image.tags[0])
        print(len(client.containers.list()), len(client.containers.list(filters={'label': 'team=berth'})),
              len(client.containers.list(filters={'label': 'team=other'})))
        rc, out = c.exec_run(['sh', '-c', 'echo in-exec; exit 3'])
        print(rc, out.decode().strip())
        c.stop(timeout=1)
        print(c.wait()['StatusCode'])
        c.reload()
        print(c.status)
        c.remove()
        try:
            client.containers.get('sdk-\(getpid())')
        except docker.errors.NotFound as e:
            print('gone')
        """)
        XCTAssertEqual(r.status, 0, "\(r)\n\(engine.daemonLog.suffix(2000))")
        XCTAssertEqual(r.stdout.split(separator: "\n").map(String.init), [
            "sdk-out|sdk-err", "running sdk-\(getpid()) berth busybox:latest", "1 1 0", "3 in-exec", "137", "exited", "gone",
        ])
    }

    func testInspectCarriesEveryField() throws {
        let r = engine.python("""
        c = client.containers.create('busybox', 'true')
        a = client.api.inspect_container(c.id)
        print(repr(a['Config']['User']), a['Config']['Entrypoint'], a['HostConfig']['Binds'], a['HostConfig']['CpuCount'],
              repr(a['NetworkSettings']['EndpointID']), a['ExecIDs'], a['HostConfig']['LogConfig']['Type'])
        c.remove()
        """)
        XCTAssertEqual(r.stdout, "'' None None 0 '' None json-file\n", "\(r)")
    }

    func testErrorsAreTyped() throws {
        let r = engine.python("""
        try:
            client.images.get('no-such-image:7')
        except docker.errors.ImageNotFound as e:
            print('image-not-found')
        try:
            # Not local, so the SDK pulls it; docker.io is a dead loopback port in the tests: a clear API error.
            client.containers.run('no-such-image:7', 'true')
        except docker.errors.APIError as e:
            assert 'connection refused' in str(e), str(e)
        try:
            client.containers.get('missing')
        except docker.errors.NotFound:
            print('not-found')
        c = client.containers.create('busybox', 'true', name='dup-\(getpid())')
        try:
            client.containers.create('busybox', 'true', name='dup-\(getpid())')
        except docker.errors.APIError as e:
            print(e.status_code)
        c.remove()
        try:
            client.containers.run('busybox', ['sh', '-c', 'exit 7'], remove=True)
        except docker.errors.ContainerError as e:
            print('exit', e.exit_status)
        """)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdout.split(separator: "\n").map(String.init), ["image-not-found", "not-found", "409", "exit 7"])
    }

    func testImagesAndSystem() throws {
        let r = engine.python("""
        imgs = client.images.list()
        print([t for i in imgs for t in i.tags])
        img = client.images.get('busybox')
        print(img.id.startswith('sha256:'), img.attrs['Os'], len(img.history()) >= 1)
        img.tag('berth-sdk', 'v1')
        print(sorted(client.images.get('berth-sdk:v1').tags))
        client.images.remove('berth-sdk:v1')
        print(client.version()['ApiVersion'], client.info()['Driver'], client.ping())
        """)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdout.split(separator: "\n").map(String.init), [
            "['busybox:latest']", "True linux True", "['berth-sdk:v1', 'busybox:latest']", "1.47 overlay2 True",
        ])
    }

    func testAttachSocketAndStats() throws {
        let r = engine.python("""
        c = client.containers.run('busybox', ['sh', '-c', 'read x; echo got $x'], detach=True, stdin_open=True)
        s = c.attach_socket(params={'stdin': 1, 'stream': 1, 'stdout': 1})
        s._sock.sendall(b'hello\\n')
        print(c.wait()['StatusCode'], c.logs().decode().strip())
        c.remove()
        c = client.containers.run('busybox', ['sleep', '100'], detach=True)
        st = c.stats(stream=False)
        print(st['memory_stats']['usage'] > 0, 'cpu_usage' in st['cpu_stats'], st['pids_stats']['current'])
        print(c.top()['Titles'][:2], len(c.top()['Processes']))
        c.pause(); c.reload(); print(c.status)
        c.unpause(); c.reload(); print(c.status)
        c.rename('renamed-\(getpid())'); c.reload(); print(c.name)
        c.update(mem_limit='128m'); print(c.attrs['HostConfig']['Memory'] if False else client.api.inspect_container(c.id)['HostConfig']['Memory'])
        c.remove(force=True)
        """)
        XCTAssertEqual(r.status, 0, "\(r)\n\(engine.daemonLog.suffix(2000))")
        XCTAssertEqual(r.stdout.split(separator: "\n").map(String.init), [
            "0 got hello", "True True 1", "['UID', 'PID'] 1", "paused", "running", "renamed-\(getpid())", "134217728",
        ])
    }

    /// The server watches attached stdin for the detach keys (ctrl-p ctrl-q, or the client's
    /// detachKeys): the client is let go, the container keeps running with its stdin open.
    func testAttachDetachKeys() throws {
        let name = "detach-\(getpid())"
        let since = Int(Date().timeIntervalSince1970) - 1
        let r = engine.python("""
        c = client.containers.run('busybox', ['cat'], stdin_open=True, detach=True, name='\(name)')
        def session(keys, echoed, typed):
            params = {'stdin': 1, 'stdout': 1, 'stream': 1}
            if keys: params['detachKeys'] = keys
            s = client.api.attach_socket(c.id, params=params)
            sock = s._sock
            got = b''
            for line in [b'hello\\n', echoed]:
                if not line: continue
                sock.sendall(line)
                while line not in got:
                    got += sock.recv(4096)
            sock.sendall(typed)
            sock.settimeout(10)
            rest = b''
            while True:
                b = sock.recv(4096)
                if not b: break
                rest += b
            s.close()
            return rest
        print(session(None, b'', b'\\x10\\x11'))
        c.reload(); print(c.status)
        # ctrl-a y is no detach sequence: it reaches cat, which echoes it.
        print(session('ctrl-a,x', b'\\x01y\\n', b'\\x01x'))
        c.reload(); print(c.status)
        # An exec with its own keys: the client goes, the exec's process stays.
        e = client.api.exec_create(c.id, ['sh', '-c', 'read x; echo never'], stdin=True, detach_keys='ctrl-x,x')
        print(client.api.exec_inspect(e['Id'])['DetachKeys'])
        s = client.api.exec_start(e['Id'], socket=True)
        s._sock.sendall(b'\\x18x')
        s._sock.settimeout(10)
        print(s._sock.recv(4096))
        print(client.api.exec_inspect(e['Id'])['Running'])
        try:
            client.api.exec_create(c.id, ['true'], detach_keys='ctrl-1')
        except docker.errors.APIError as err:
            print(err.status_code, err.explanation)
        try:
            client.api.attach_socket(c.id, params={'stdin': 1, 'stream': 1, 'detachKeys': 'ctrl-1'})
            print('accepted bad keys')
        except docker.errors.APIError as e:
            print(e.status_code, e.explanation)
        """)
        XCTAssertEqual(r.status, 0, "\(r)\n\(engine.daemonLog.suffix(2000))")
        // After the keys the connection just ends: no more output, the container still runs.
        XCTAssertEqual(r.stdout.split(separator: "\n").map(String.init), [
            "b''", "running", "b''", "running", "ctrl-x,x", "b''", "True", "400 Invalid escape keys (ctrl-1) provided",
            "400 Invalid detach keys (ctrl-1) provided",
        ])
        let until = Int(Date().timeIntervalSince1970) + 1
        let detaches = ok(engine.docker(["events", "--since", "\(since)", "--until", "\(until)", "--filter", "container=\(name)",
                                         "--format", "{{.Action}}"]))
        XCTAssertEqual(detaches.split(separator: "\n").filter { $0.contains("detach") }, ["detach", "detach", "exec_detach"])
    }

}
