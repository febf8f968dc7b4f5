package io.pidspawn.posix;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

/** glibc's own posix_spawn through FFM: the oracle pidspawn's posix layer is compared with. */
final class GlibcSpawn {
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final java.lang.foreign.AddressLayout P = ValueLayout.ADDRESS;

    private static MethodHandle fn(String name, java.lang.foreign.MemoryLayout... args) {
        return Native.call(Native.LIBC, name, FunctionDescriptor.of(I, args));
    }

    private static final MethodHandle FA_INIT = fn("posix_spawn_file_actions_init", P);
    private static final MethodHandle FA_DESTROY = fn("posix_spawn_file_actions_destroy", P);
    private static final MethodHandle FA_OPEN = fn("posix_spawn_file_actions_addopen", P, I, P, I, I);
    private static final MethodHandle FA_CLOSE = fn("posix_spawn_file_actions_addclose", P, I);
    private static final MethodHandle FA_DUP2 = fn("posix_spawn_file_actions_adddup2", P, I, I);
    private static final MethodHandle FA_CHDIR = fn("posix_spawn_file_actions_addchdir_np", P, P);
    private static final MethodHandle FA_FCHDIR = fn("posix_spawn_file_actions_addfchdir_np", P, I);
    private static final MethodHandle FA_TCSETPGRP = fn("posix_spawn_file_actions_addtcsetpgrp_np", P, I);
    private static final MethodHandle FA_CLOSEFROM = fn("posix_spawn_file_actions_addclosefrom_np", P, I);
    private static final MethodHandle AT_INIT = fn("posix_spawnattr_init", P);
    private static final MethodHandle AT_DESTROY = fn("posix_spawnattr_destroy", P);
    private static final MethodHandle AT_FLAGS = fn("posix_spawnattr_setflags", P, ValueLayout.JAVA_SHORT);
    private static final MethodHandle AT_PGROUP = fn("posix_spawnattr_setpgroup", P, I);
    private static final MethodHandle AT_SIGMASK = fn("posix_spawnattr_setsigmask", P, P);
    private static final MethodHandle AT_SIGDEF = fn("posix_spawnattr_setsigdefault", P, P);
    private static final MethodHandle AT_POLICY = fn("posix_spawnattr_setschedpolicy", P, I);
    private static final MethodHandle AT_PARAM = fn("posix_spawnattr_setschedparam", P, P);
    private static final MethodHandle SPAWN = fn("posix_spawn", P, P, P, P, P, P);
    private static final MethodHandle SPAWNP = fn("posix_spawnp", P, P, P, P, P, P);

    private GlibcSpawn() {}

    /** One file action, applied to both implementations. */
    sealed interface Op {
        record Open(int fd, String path, int flags, int mode) implements Op {}
        record Close(int fd) implements Op {}
        record Dup2(int fd, int newfd) implements Op {}
        record Chdir(String path) implements Op {}
        record Fchdir(int fd) implements Op {}
        record Closefrom(int fd) implements Op {}
        record Tcsetpgrp(int fd) implements Op {}
    }

    /** The attributes, applied to both implementations. */
    record Attr(short flags, int pgroup, long sigmask, long sigdefault, int policy, int priority) {
        static final Attr NONE = new Attr((short) 0, 0, 0, 0, 0, 0);
    }

    /** glibc's result: 0 and a pid, or the errno it returned. */
    record Result(int errno, int pid) {}

    static Result spawn(boolean search, String path, List<Op> ops, Attr attr, List<String> argv, List<String> envp) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(256, 16);
            MemorySegment at = a.allocate(512, 16);
            check((int) FA_INIT.invokeExact(fa));
            check((int) AT_INIT.invokeExact(at));
            try {
                for (Op op : ops) {
                    int r = switch (op) {
                        case Op.Open o -> (int) FA_OPEN.invokeExact(fa, o.fd(), a.allocateFrom(o.path()), o.flags(), o.mode());
                        case Op.Close c -> (int) FA_CLOSE.invokeExact(fa, c.fd());
                        case Op.Dup2 d -> (int) FA_DUP2.invokeExact(fa, d.fd(), d.newfd());
                        case Op.Chdir c -> (int) FA_CHDIR.invokeExact(fa, a.allocateFrom(c.path()));
                        case Op.Fchdir c -> (int) FA_FCHDIR.invokeExact(fa, c.fd());
                        case Op.Closefrom c -> (int) FA_CLOSEFROM.invokeExact(fa, c.fd());
                        case Op.Tcsetpgrp c -> (int) FA_TCSETPGRP.invokeExact(fa, c.fd());
                    };
                    if (r != 0) {
                        return new Result(r, -1);
                    }
                }
                check((int) AT_FLAGS.invokeExact(at, attr.flags()));
                check((int) AT_PGROUP.invokeExact(at, attr.pgroup()));
                check((int) AT_SIGMASK.invokeExact(at, sigset(a, attr.sigmask())));
                check((int) AT_SIGDEF.invokeExact(at, sigset(a, attr.sigdefault())));
                check((int) AT_POLICY.invokeExact(at, attr.policy()));
                check((int) AT_PARAM.invokeExact(at, a.allocateFrom(I, attr.priority())));
                MemorySegment pid = a.allocate(I);
                MemorySegment argvSeg = strings(a, argv);
                MemorySegment envpSeg = strings(a, envp);
                int r = search
                        ? (int) SPAWNP.invokeExact(pid, a.allocateFrom(path), fa, at, argvSeg, envpSeg)
                        : (int) SPAWN.invokeExact(pid, a.allocateFrom(path), fa, at, argvSeg, envpSeg);
                return new Result(r, r == 0 ? pid.get(I, 0) : -1);
            } finally {
                int ignored = (int) FA_DESTROY.invokeExact(fa);
                ignored = (int) AT_DESTROY.invokeExact(at);
            }
        }
    }

    /** waitpid for a glibc child: the raw wait status. */
    static int waitStatus(int pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(128, 8);
            int r;
            while ((r = Libc.waitid(Libc.P_PID, pid, info, Libc.WEXITED)) == -4) {
                // EINTR
            }
            if (r < 0) {
                throw new IllegalStateException("waitid: " + r);
            }
            int code = info.get(I, 8);
            int status = info.get(I, 24);
            return code == Libc.CLD_EXITED ? (status & 0xff) << 8 : status | (code == Libc.CLD_DUMPED ? 0x80 : 0);
        }
    }

    private static MemorySegment sigset(Arena a, long set) {
        MemorySegment s = a.allocate(128, 8);
        s.set(ValueLayout.JAVA_LONG, 0, set);
        return s;
    }

    private static MemorySegment strings(Arena a, List<String> list) {
        MemorySegment arr = a.allocate(P, list.size() + 1L);
        for (int i = 0; i < list.size(); i++) {
            arr.setAtIndex(P, i, a.allocateFrom(list.get(i)));
        }
        arr.setAtIndex(P, list.size(), MemorySegment.NULL);
        return arr;
    }

    private static void check(int r) {
        if (r != 0) {
            throw new IllegalStateException("glibc posix_spawn set-up returned " + r);
        }
    }
}
