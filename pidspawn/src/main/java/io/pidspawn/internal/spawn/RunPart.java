package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.SpawnAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The per-run part of a spawn, validated before any child exists and encoded as ops. */
final class RunPart {
    final CompiledPlan.Ops ops;
    final List<byte[]> argv;
    final List<byte[]> envp;
    final boolean ownCgroup;
    /** Whether an action changes the child's directory (chdir, fchdir) before it execs. */
    final boolean changesDirectory;
    /** How many ops the library put before the caller's actions (joining cgroups). */
    int prepended;

    private RunPart(CompiledPlan.Ops ops, List<byte[]> argv, List<byte[]> envp, boolean ownCgroup, boolean changesDirectory) {
        this.ops = ops;
        this.changesDirectory = changesDirectory;
        this.argv = argv;
        this.envp = envp;
        this.ownCgroup = ownCgroup;
    }

    /**
     * {@code maxActions}: the run's limit on actions, or -1 for none (posix_spawn has none);
     * {@code anyEnvString}: envp entries need no {@code =} (posix_spawn's, which exec takes as given).
     */
    static RunPart validate(RunArgs args, String program, int maxActions, boolean anyEnvString) throws SpawnException {
        List<SpawnAction> actions = args.actions();
        if (maxActions >= 0 && actions.size() > maxActions) {
            throw new SpawnException(program, SpawnStep.PREPARE, Errno.E2BIG,
                    actions.size() + " actions; at most " + PidfdSpawn.MAX_ACTIONS + " are allowed", -1);
        }
        long maxFd = actions.isEmpty() ? 0 : Libc.getrlimitSoft(Libc.RLIMIT_NOFILE); // a run without actions checks no fd
        CompiledPlan.Ops ops = new CompiledPlan.Ops();
        for (int i = 0; i < actions.size(); i++) {
            SpawnAction a = actions.get(i);
            Check c = new Check(program, i, a, maxFd);
            switch (a) {
                case SpawnAction.Close x -> {
                    c.fd(x.fd());
                    ops.add(SpawnStep.CLOSE.code(), x.fd(), 0, 0, null, 0, 0, a.describe());
                }
                case SpawnAction.Dup2 x -> {
                    c.fd(x.fd());
                    c.fd(x.newfd());
                    c.that((x.flags() & ~Libc.O_CLOEXEC) == 0, "dup2 flags may only be O_CLOEXEC");
                    c.that(x.fd() != x.newfd() || x.flags() == 0, "dup2 of a fd onto itself takes no flags");
                    ops.add(SpawnStep.DUP2.code(), x.fd(), x.newfd(), x.flags(), null, 0, 0, a.describe());
                }
                case SpawnAction.Open x -> {
                    c.that(x.dirfd() >= 0 || x.dirfd() == Libc.AT_FDCWD, Errno.EBADF, "dirfd " + x.dirfd());
                    c.fd(x.newfd());
                    c.path(x.path());
                    c.that(x.mode() >= 0 && x.mode() <= 07777, "mode " + Integer.toOctalString(x.mode()));
                    ops.add(SpawnStep.OPEN.code(), x.dirfd(), x.newfd(), x.flags(), x.path(), 0, x.mode(), a.describe());
                }
                case SpawnAction.Fchdir x -> {
                    c.fd(x.fd());
                    ops.add(SpawnStep.FCHDIR.code(), x.fd(), 0, 0, null, 0, 0, a.describe());
                }
                case SpawnAction.Chdir x -> {
                    c.path(x.path());
                    ops.add(SpawnStep.CHDIR.code(), 0, 0, 0, x.path(), 0, 0, a.describe());
                }
                case SpawnAction.CloseRange x -> {
                    c.that(x.first() >= 0, "first fd " + x.first());
                    c.that(x.last() >= -1 && (x.last() == -1 || x.first() <= x.last()),
                            "range " + x.first() + ".." + x.last());
                    c.that((x.flags() & ~(Libc.CLOSE_RANGE_CLOEXEC | Libc.CLOSE_RANGE_UNSHARE)) == 0,
                            "close_range flags may only be CLOSE_RANGE_CLOEXEC and CLOSE_RANGE_UNSHARE");
                    ops.add(SpawnStep.CLOSE_RANGE.code(), x.first(), x.last(), x.flags(), null, 0, 0, a.describe());
                }
                case SpawnAction.Sigmask x -> ops.add(SpawnStep.SIGMASK.code(), 0, 0, 0, null, x.set(), 0, a.describe());
                case SpawnAction.Sigdefault x ->
                        ops.add(SpawnStep.SIGDEFAULT.code(), 0, 0, 0, null, x.set(), 0, a.describe());
                case SpawnAction.Tcsetpgrp x -> {
                    c.fd(x.fd());
                    ops.add(SpawnStep.TCSETPGRP.code(), x.fd(), 0, 0, null, 0, 0, a.describe());
                }
                case SpawnAction.Setpgid x -> {
                    c.that(x.pgid() >= 0, "process group " + x.pgid());
                    ops.add(SpawnStep.SETPGID.code(), x.pgid(), 0, 0, null, 0, 0, a.describe());
                }
                case SpawnAction.Setsid _ -> ops.add(SpawnStep.SETSID.code(), 0, 0, 0, null, 0, 0, a.describe());
                case SpawnAction.ControllingTerminal x -> {
                    c.fd(x.fd());
                    ops.add(SpawnStep.SETCTTY.code(), x.fd(), 0, 0, null, 0, 0, a.describe());
                }
            }
        }
        return new RunPart(ops, strings(program, "argv", args.argv(), true), strings(program, "envp", args.envp(), anyEnvString),
                args.ownCgroup(),
                actions.stream().anyMatch(a -> a instanceof SpawnAction.Chdir || a instanceof SpawnAction.Fchdir));
    }

    private static List<byte[]> strings(String program, String what, List<String> list, boolean anyString)
            throws SpawnException {
        if (list == null) {
            return null;
        }
        List<byte[]> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String s = list.get(i);
            if (s.indexOf('\0') >= 0) {
                throw new SpawnException(program, SpawnStep.PREPARE, Errno.EINVAL, what + "[" + i + "] contains a NUL", -1);
            }
            if (!anyString && s.indexOf('=') < 0) {
                throw new SpawnException(program, SpawnStep.PREPARE, Errno.EINVAL,
                        "envp[" + i + "] \"" + s + "\" is not NAME=value", -1);
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length >= ArgLimits.MAX_STRING) {
                throw new SpawnException(program, SpawnStep.PREPARE, Errno.E2BIG,
                        what + "[" + i + "] is " + b.length + " bytes; exec takes at most " + (ArgLimits.MAX_STRING - 1), -1);
            }
            out.add(b);
        }
        return out;
    }

    /** Checks for one action; each failure names the action and its index. */
    private record Check(String program, int index, SpawnAction action, long maxFd) {
        void fd(int fd) throws SpawnException {
            that(fd >= 0 && (maxFd <= 0 || fd < maxFd), Errno.EBADF,
                    "fd " + fd + " is outside 0.." + (maxFd - 1) + " (RLIMIT_NOFILE)");
        }

        void path(String path) throws SpawnException {
            that(path != null && !path.isEmpty() && path.indexOf('\0') < 0, "path must be non-empty without NUL");
            that(path.getBytes(StandardCharsets.UTF_8).length < ArgLimits.MAX_PATH, Errno.E2BIG, "path longer than PATH_MAX");
        }

        void that(boolean ok, String why) throws SpawnException {
            that(ok, Errno.EINVAL, why);
        }

        void that(boolean ok, int errno, String why) throws SpawnException {
            if (!ok) {
                throw new SpawnException(program, SpawnStep.PREPARE, errno, action.describe() + ": " + why, index);
            }
        }
    }
}
