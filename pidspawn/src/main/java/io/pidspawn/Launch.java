package io.pidspawn;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.reaper.ExitWatch;
import io.pidspawn.internal.reaper.LeakDetector;
import io.pidspawn.internal.reaper.PipeEnd;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.SpawnAction;
import io.pidspawn.uapi.Spawned;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One spawn of a {@link Command}: the run's actions, the pipes it creates and the fds it lends
 * the child. Whatever happens, the child's ends are closed here once the run returns, and the
 * parent's ends too unless a {@link Child} took them.
 */
final class Launch implements AutoCloseable {
    private static final String[] STDIO = {"stdin", "stdout", "stderr"};

    private final Command command;
    private final String program;
    private final List<Integer> lent = new ArrayList<>(); // child ends and temporary copies: closed after the run
    private final PipeEnd[] parentEnds = new PipeEnd[3];
    private Terminal terminal; // the spawn's pty, if one of its stdio fds asked for one
    private int replica = -1; // the child's side of it, above the fds the child writes to
    private boolean handedOver;

    private Launch(Command command) {
        this.command = command;
        this.program = command.program().toString();
    }

    /** Spawns through the command's builder (the library's one spawn path: the UAPI's run). */
    static Child start(Command command, SpawnOverrides o) throws SpawnException {
        return start(command, o, false, false);
    }

    /**
     * As {@link #start(Command, SpawnOverrides)}; with {@code ownGroup} the child leads a process
     * group of its own unless the command chose its group or session, and with {@code ownCgroup}
     * it gets a cgroup of its own where the system allows one (output() with a timeout). A child
     * that dies with its parent gets both, and its tree is registered with the owner watch, whose
     * watcher is running before the child is.
     */
    static Child start(Command command, SpawnOverrides o, boolean ownGroup, boolean ownCgroup) throws SpawnException {
        Throwable site = LeakDetector.spawnSite();
        io.pidspawn.internal.spawn.OwnerWatch owner = command.diesWithParent() ? io.pidspawn.internal.spawn.OwnerWatch.get() : null;
        if (owner != null) {
            ownGroup = true;
            ownCgroup |= !command.placesCgroup();
        }
        io.pidspawn.internal.spawn.OwnerWatch.Tree tree = owner == null ? null : owner.begin();
        boolean registered = false;
        int builder = command.acquireBuilder();
        try (Launch launch = new Launch(command)) {
            List<SpawnAction> actions = launch.actions(o);
            boolean setpgid = ownGroup && !command.setsGroup() && launch.terminal == null; // a pty child leads a session
            if (setpgid) {
                actions.add(SpawnAction.setpgid(0));
            }
            RunArgs run = new RunArgs(launch.argv(o), launch.envp(o), actions, ownCgroup);
            Spawned spawned;
            try {
                spawned = command.run(builder, run);
            } catch (SpawnException e) {
                throw e;
            } catch (ErrnoException e) {
                throw launch.failure(e.errno(), e.getMessage());
            }
            launch.closeLent(); // the child has its copies; ours would keep its pipes from ever ending
            ExitWatch watch;
            boolean leads = setpgid || command.leadsGroup() || launch.terminal != null;
            try {
                watch = ExitWatch.start(spawned, leads);
            } catch (ErrnoException e) {
                throw launch.failure(e.errno(), "cannot supervise the child, so it was killed: " + e.getMessage());
            }
            if (owner != null) {
                owner.started(tree, leads ? watch.pid() : 0, () -> watch.exitFuture().isDone());
                registered = true;
            }
            launch.handedOver = true;
            return new Child(launch.program, watch, launch.parentEnds[0], launch.parentEnds[1], launch.parentEnds[2],
                    command.cgroup(), site, command.killsTreeOnClose(), launch.terminal);
        } finally {
            command.releaseBuilder();
            if (tree != null && !registered) {
                owner.failed(tree);
            }
        }
    }

    private List<String> argv(SpawnOverrides o) {
        if (o.arg0() == null && o.args().isEmpty()) {
            return null; // the builder's own, compiled once
        }
        List<String> v = new ArrayList<>(command.argv());
        if (o.arg0() != null) {
            v.set(0, o.arg0());
        }
        v.addAll(o.args());
        return v;
    }

    private List<String> envp(SpawnOverrides o) {
        Map<String, String> changes = o.env();
        if (o.cwd() != null && command.pwdFollowsCwd() && !changes.containsKey("PWD")) {
            changes = new java.util.LinkedHashMap<>(changes);
            changes.put("PWD", Command.pwdOf(o.cwd()));
        }
        if (changes.isEmpty()) {
            return null;
        }
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, String> e : command.env().entrySet()) {
            if (!changes.containsKey(e.getKey())) {
                entries.add(e.getKey() + "=" + e.getValue());
            }
        }
        changes.forEach((k, v) -> entries.add(k + "=" + v));
        return entries;
    }

    /** The run's actions: cwd, then stdin, stdout, stderr in order (stderr may copy the new stdout), then files. */
    private List<SpawnAction> actions(SpawnOverrides o) throws SpawnException {
        List<SpawnAction> actions = new ArrayList<>();
        if (o.cwd() != null) {
            actions.add(SpawnAction.chdir(o.cwd().toString()));
        }
        for (int fd = 0; fd <= 2; fd++) {
            Stdio s = o.stdio(fd) != null ? o.stdio(fd) : command.stdio(fd);
            switch (s) {
                case null -> { }
                case Stdio.Inherit _ -> { }
                case Stdio.Pipe _ -> actions.add(SpawnAction.dup2(pipe(fd), fd));
                case Stdio.Pty p -> actions.add(SpawnAction.dup2(pty(fd, p), fd));
                case Stdio.MergeWithStdout _ -> actions.add(SpawnAction.dup2(1, 2));
                case Stdio.Fd(int parentFd) ->
                        actions.add(SpawnAction.dup2(o.stdio(fd) != null ? source(parentFd) : command.heldStdioFd(fd), fd));
                case Stdio.Discard _ ->
                        actions.add(SpawnAction.open(fd, "/dev/null", fd == 0 ? Libc.O_RDONLY : Libc.O_WRONLY, 0));
                default -> actions.add(openAction(fd, s));
            }
        }
        if (terminal != null) {
            // setsid first, so that the replica becomes this new session's controlling terminal;
            // a command that chose its session itself did so in the builder's steps already.
            if (!command.setsGroup()) {
                actions.addFirst(SpawnAction.setsid());
            }
            actions.add(SpawnAction.controllingTerminal(replica));
        }
        actions.addAll(command.fileActions());
        return actions;
    }

    /** The child opens a file at fd before exec (so writeTo truncates at every spawn); null for anything but a file. */
    static SpawnAction openAction(int fd, Stdio s) {
        return switch (s) {
            case Stdio.ReadFrom(Path f) -> SpawnAction.open(fd, f.toAbsolutePath().toString(), Libc.O_RDONLY | Libc.O_NOCTTY, 0);
            case Stdio.WriteTo(Path f, boolean append) -> SpawnAction.open(fd, f.toAbsolutePath().toString(),
                    Libc.O_WRONLY | Libc.O_CREAT | Libc.O_NOCTTY | (append ? Libc.O_APPEND : Libc.O_TRUNC), 0666);
            default -> null;
        };
    }

    /** A new pipe for stdio fd: the parent's end becomes a PipeEnd; returns the child's end. */
    private int pipe(int fd) throws SpawnException {
        int[] p = Libc.pipe2(Libc.O_CLOEXEC);
        if (p.length == 1) {
            throw failure(-p[0], "pipe2 for " + STDIO[fd]);
        }
        int childEnd = fd == 0 ? p[0] : p[1];
        lent.add(childEnd);
        try {
            parentEnds[fd] = PipeEnd.take(fd == 0 ? p[1] : p[0], STDIO[fd] + " of " + program);
        } catch (ErrnoException e) {
            throw failure(e.errno(), e.getMessage());
        }
        return source(childEnd);
    }

    /**
     * The spawn's pty, opened at the first stdio fd that asks: the primary goes to the Child (as
     * its stdout stream when stdout is the pty, else stderr's); returns the replica to copy.
     */
    private int pty(int fd, Stdio.Pty p) throws SpawnException {
        if (terminal == null) {
            int[] peer = new int[1];
            try {
                terminal = Terminal.open(p, program, peer);
            } catch (ErrnoException e) {
                throw failure(e.errno(), e.getMessage());
            }
            lent.add(peer[0]);
            replica = source(peer[0]);
        }
        if (fd == 1 || fd == 2 && parentEnds[1] != terminal.primary()) {
            parentEnds[fd] = terminal.primary();
        }
        return replica;
    }

    /**
     * A fd the child copies from: moved above every fd the spawn writes to in the child, or an
     * earlier step could overwrite it before it is copied. Usually it is there already.
     */
    private int source(int fd) throws SpawnException {
        if (fd >= command.lowestSource()) {
            return fd;
        }
        int above = Libc.fcntl(fd, Libc.F_DUPFD_CLOEXEC, command.lowestSource());
        if (above < 0) {
            throw failure(-above, "fcntl F_DUPFD_CLOEXEC of fd " + fd);
        }
        lent.add(above);
        return above;
    }

    private SpawnException failure(int errno, String detail) {
        return new SpawnException(program, SpawnStep.PREPARE, errno, detail, -1);
    }

    private void closeLent() {
        for (int fd : lent) {
            Libc.close(fd);
        }
        lent.clear();
    }

    @Override
    public void close() {
        closeLent();
        if (!handedOver) {
            if (terminal != null) {
                terminal.primary().close();
            }
            for (PipeEnd p : parentEnds) {
                if (p != null) {
                    p.close();
                }
            }
        }
    }
}
