# drover's module agent: runs Ansible modules on this host for one run.
#
# Started as `PYTHON -c AGENT REMOTE_TMP MODE`; speaks frames on stdin and
# stdout. A frame is one line of JSON, followed by "n" bytes of body when the
# header says so. It answers with a hello frame, then serves:
#   {"op": "files", "id": K, "root": R, "n": N} + zip: unpacks into the lib
#       directory (or R below the run directory), keeping files already there.
#   {"op": "run", "id": K, "py": NAME, "root": R, "env": {}, "cwd": D, "n": N}
#       + arguments JSON: forks a child that runs module NAME; answers
#       {"id": K, "rc": RC, "out": A, "err": B} + A bytes of stdout + B of stderr.
#   {"op": "exec", "id": K, "argv": [...], "env": {}, "cwd": D, "files": {name: size},
#       "n": N} + the files: writes them to a fresh directory and runs argv
#       there ({} in argv is that directory); answers as run.
#   {"op": "kill", "id": K}: kills that request's processes.
#   {"op": "async", "id": K, "jid": J, "limit": S, ... as run}: starts the module
#       detached (Ansible's async with poll: 0): its status goes to the job file
#       ~/.ansible_async/J ({"started": 1, "finished": 0} until it ends, then its
#       result); answers {"id": K, "results_file": FILE}; the job then owns the
#       run directory and removes it when done.
# End of input (MODE "once": after the first answer) ends the agent once its
# children have finished; SIGTERM, SIGHUP and SIGINT end it at once. Either
# way the run directory is removed.
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
import zipfile

try:
    from io import BytesIO
except ImportError:
    from StringIO import StringIO as BytesIO

PY3 = sys.version_info[0] >= 3


def make_run_dir(remote_tmp):
    for base in (os.path.expandvars(os.path.expanduser(remote_tmp)), tempfile.gettempdir()):
        try:
            if not os.path.isdir(base):
                os.makedirs(base, 0o700)
            return tempfile.mkdtemp(prefix='drover-', dir=base)
        except OSError:
            continue
    return tempfile.mkdtemp(prefix='drover-')


class Agent(object):
    def __init__(self, remote_tmp, once):
        self.once = once
        self.root = make_run_dir(remote_tmp)
        self.lib = os.path.join(self.root, 'lib')
        os.mkdir(self.lib, 0o700)
        self.tmp = os.path.join(self.root, 'tmp')
        os.mkdir(self.tmp, 0o700)
        self.out = os.dup(1)
        os.dup2(2, 1)
        self.inbuf = b''
        self.eof = False
        self.children = {}
        self.fds = {}
        self.poll = select.poll()
        self.poll.register(0, select.POLLIN)
        self.warm = False
        self.seq = 0
        self.keep = False
        try:
            self.cwd = os.getcwd()
        except OSError:
            self.cwd = os.path.expanduser('~')
            os.chdir(self.cwd)
        sys.path = [p for p in sys.path if p not in ('', '.')]
        sys.path.insert(0, self.lib)

    def send(self, head, *bodies):
        data = json.dumps(head).encode('utf-8') + b'\n' + b''.join(bodies)
        while data:
            n = os.write(self.out, data)
            data = data[n:]

    def hello(self):
        import platform
        tag = getattr(getattr(sys, 'implementation', None), 'cache_tag', None)
        self.send({'hello': 1, 'root': self.root, 'tmp': self.tmp, 'python': platform.python_version(),
                   'tag': tag, 'executable': sys.executable, 'pid': os.getpid()})

    def serve(self):
        while True:
            if self.eof and not self.children:
                return
            for fd, ev in self.poll.poll():
                if fd == 0:
                    self.read_input()
                else:
                    self.read_child(fd)

    def read_input(self):
        chunk = os.read(0, 65536)
        if not chunk:
            self.eof = True
            self.poll.unregister(0)
            return
        self.inbuf += chunk
        while True:
            nl = self.inbuf.find(b'\n')
            if nl < 0:
                return
            head = json.loads(self.inbuf[:nl].decode('utf-8'))
            n = head.get('n', 0)
            if len(self.inbuf) < nl + 1 + n:
                return
            body = self.inbuf[nl + 1:nl + 1 + n]
            self.inbuf = self.inbuf[nl + 1 + n:]
            self.handle(head, body)

    def handle(self, head, body):
        op = head.get('op')
        try:
            if op == 'files':
                pycs = self.unpack(head, body)
                self.send({'id': head['id'], 'ok': 1, 'out': len(pycs)}, pycs)
            elif op in ('run', 'exec'):
                self.start(head, body)
            elif op == 'kill':
                self.kill(head['id'])
            elif op == 'async':
                self.start_async(head, body)
        except Exception as e:
            self.send({'id': head.get('id'), 'error': '%s: %s' % (type(e).__name__, e)})

    def unpack(self, head, body):
        dest = self.lib
        if head.get('root'):
            dest = os.path.join(self.root, head['root'])
        z = zipfile.ZipFile(BytesIO(body))
        mtime = head.get('mtime')
        written = []
        for name in z.namelist():
            if name.startswith('/') or '..' in name.split('/'):
                raise ValueError('bad path in payload: %s' % name)
            path = os.path.join(dest, name)
            if os.path.exists(path):
                continue
            d = os.path.dirname(path)
            if not os.path.isdir(d):
                os.makedirs(d, 0o700)
            part = path + '.part%d' % os.getpid()
            f = open(part, 'wb')
            try:
                f.write(z.read(name))
            finally:
                f.close()
            if mtime:
                os.utime(part, (mtime, mtime))
            os.rename(part, path)
            written.append(name)
        try:
            import importlib
            importlib.invalidate_caches()
        except (ImportError, AttributeError):
            pass
        pycs = b''
        if head.get('compile'):
            pycs = compile_all(dest, written)
        if dest == self.lib and not self.warm:
            self.warm = True
            try:
                __import__('ansible.module_utils.basic')
            except Exception:
                pass
        return pycs

    def start(self, head, body):
        rid = head['id']
        if head['op'] == 'exec':
            workdir = self.write_files(head, body)
        r_out, w_out = os.pipe()
        r_err, w_err = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r_out)
            os.close(r_err)
            self.child(head, body if head['op'] == 'run' else workdir, w_out, w_err)
        os.close(w_out)
        os.close(w_err)
        c = {'id': rid, 'pid': pid, 'out': [], 'err': [], 'open': 2}
        if head['op'] == 'exec':
            c['dir'] = workdir
        self.children[rid] = c
        for fd, key in ((r_out, 'out'), (r_err, 'err')):
            self.fds[fd] = (c, key)
            self.poll.register(fd, select.POLLIN | select.POLLHUP)

    def write_files(self, head, body):
        self.seq += 1
        workdir = os.path.join(self.root, 'x%d' % self.seq)
        os.mkdir(workdir, 0o700)
        pos = 0
        for name, size in sorted(head.get('files', {}).items()):
            path = os.path.join(workdir, os.path.basename(name))
            f = open(path, 'wb')
            try:
                f.write(body[pos:pos + size])
            finally:
                f.close()
            os.chmod(path, 0o700)
            pos += size
        return workdir

    def child(self, head, arg, w_out, w_err):
        code = 1
        try:
            os.setsid()
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(w_out, 1)
            os.dup2(w_err, 2)
            for fd in [null, w_out, w_err, self.out] + list(self.fds):
                try:
                    os.close(fd)
                except OSError:
                    pass
            env = head.get('env') or {}
            os.environ.update(env)
            try:
                os.chdir(head.get('cwd') or self.cwd)
            except OSError:
                pass
            if head['op'] == 'exec':
                argv = [a.replace('{}', arg) for a in head['argv']]
                os.execvp(argv[0], argv)
            code = self.run_module(head, arg)
        except SystemExit as e:
            code = exit_code(e)
        except BaseException:
            import traceback
            traceback.print_exc()
        os._exit(code)

    def run_module(self, head, args):
        import runpy
        root = self.lib
        if head.get('root'):
            root = os.path.join(self.root, head['root'])
            for name in list(sys.modules):
                if name == 'ansible' or name.startswith(('ansible.', 'ansible_collections')):
                    del sys.modules[name]
            sys.path.insert(0, root)
        from ansible.module_utils import basic
        basic._ANSIBLE_ARGS = args
        name = head['py']
        try:
            runpy.run_module(name, init_globals=dict(_module_fqn=name, _modlib_path=root),
                             run_name='__main__', alter_sys=True)
            print('{"msg": "New-style module did not handle its own exit", "failed": true}')
            code = 1
        except SystemExit as e:
            code = exit_code(e)
        try:
            import atexit
            atexit._run_exitfuncs()
        except Exception:
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        return code

    def read_child(self, fd):
        c, key = self.fds[fd]
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b''
        if chunk:
            c[key].append(chunk)
            return
        self.poll.unregister(fd)
        os.close(fd)
        del self.fds[fd]
        c['open'] -= 1
        if c['open'] == 0:
            self.finish(c)

    def finish(self, c):
        _, status = os.waitpid(c['pid'], 0)
        if os.WIFSIGNALED(status):
            rc = -os.WTERMSIG(status)
        else:
            rc = os.WEXITSTATUS(status)
        del self.children[c['id']]
        if 'dir' in c:
            shutil.rmtree(c['dir'], ignore_errors=True)
        out, err = b''.join(c['out']), b''.join(c['err'])
        self.send({'id': c['id'], 'rc': rc, 'out': len(out), 'err': len(err)}, out, err)
        if self.once:
            self.eof = True

    def kill(self, rid):
        c = self.children.get(rid)
        if c:
            try:
                os.killpg(c['pid'], signal.SIGKILL)
            except OSError:
                pass

    def stop(self, *_):
        for c in list(self.children.values()):
            self.kill(c['id'])
        self.cleanup()
        os._exit(1)

    def cleanup(self):
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def start_async(self, head, body):
        adir = os.path.expanduser(os.environ.get('ANSIBLE_ASYNC_DIR') or '~/.ansible_async')
        if not os.path.isdir(adir):
            os.makedirs(adir, 0o700)
        job = os.path.join(adir, head['jid'])
        write_json(job, {'started': 1, 'finished': 0, 'ansible_job_id': head['jid']})
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                if os.fork() == 0:
                    self.run_job(head, body, job)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        self.keep = True
        self.eof = True
        self.send({'id': head['id'], 'results_file': job})

    def run_job(self, head, args, job):
        try:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.close(self.out)
            paths = [os.path.join(self.root, n) for n in ('job.out', 'job.err')]
            fds = [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for p in paths]
            pid = os.fork()
            if pid == 0:
                self.child(head, args, fds[0], fds[1])
            deadline = time.time() + int(head.get('limit') or 0)
            timed_out = False
            while True:
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                if head.get('limit') and time.time() > deadline:
                    timed_out = True
                    os.killpg(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.2)
            out, err = [open(p, 'rb').read().decode('utf-8', 'replace') for p in paths]
            write_json(job, job_result(head, out, err, timed_out))
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            os._exit(0)


def compile_all(dest, names):
    # Compiles the payload's new Python files and returns their bytecode
    # as a zip, named by where Python caches it, for other hosts with the
    # same Python.
    try:
        import importlib.util
        import py_compile
    except ImportError:
        return b''
    buf = BytesIO()
    z = zipfile.ZipFile(buf, 'w')
    for name in names:
        if not name.endswith('.py'):
            continue
        try:
            cfile = py_compile.compile(os.path.join(dest, name), doraise=True)
        except Exception:
            continue
        f = open(cfile, 'rb')
        try:
            z.writestr(os.path.relpath(cfile, dest), f.read())
        finally:
            f.close()
    z.close()
    return buf.getvalue()


def write_json(path, data):
    part = path + '.tmp'
    f = open(part, 'w')
    try:
        f.write(json.dumps(data))
    finally:
        f.close()
    os.rename(part, path)


def job_result(head, out, err, timed_out):
    # What an async job leaves in its job file, as Ansible's async wrapper:
    # the module's JSON result (with its stderr), or why there is none.
    jid = head['jid']
    if timed_out:
        return {'failed': 1, 'msg': 'Timeout exceeded', 'ansible_job_id': jid, 'child_pid': 0}
    lines = out.splitlines()
    start = [i for i, l in enumerate(lines) if l.strip().startswith('{')]
    end = [i for i, l in enumerate(lines) if l.strip().endswith('}')]
    try:
        result = json.loads('\n'.join(lines[start[0]:end[-1] + 1]))
    except (ValueError, IndexError):
        return {'failed': 1, 'msg': 'the module printed no JSON result', 'data': out, 'stderr': err, 'ansible_job_id': jid}
    if err:
        result['stderr'] = err
    return result


def exit_code(e):
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write('%s\n' % (code,))
    return 1


def main():
    agent = Agent(sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == 'once')
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, agent.stop)
    try:
        agent.hello()
        agent.serve()
    finally:
        agent.cleanup()


main()
