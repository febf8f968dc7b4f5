package io.pidspawn.cli;

import io.pidspawn.Command;
import io.pidspawn.ConfigException;
import io.pidspawn.ErrnoException;
import io.pidspawn.Sandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link Command} per executable and settings (limits, sandbox, pty) for the whole batch, built
 * the first time a job names them: its builder is compiled once and every job that runs the same
 * file so spawns from it, sending only its own argv, environment, working directory and stdio. Each
 * command starts its children in a process group of their own, so that a job can be killed with
 * everything it started (a {@code "pty"} job's command leaves that to its pty, whose child leads a
 * session, and so a group); the children of a job with a timeout or a limit each get a cgroup of
 * their own too, where the library can create one, which reaches what left the group (setsid).
 */
final class Templates implements AutoCloseable {
    /** What a command is built for: the executable and the settings of the jobs that share it. */
    private record Key(Path program, BatchJob.Limits limits, Sandbox sandbox, boolean ownCgroup, boolean pty, boolean dieWithParent) {}

    private final Map<Key, Command> commands = new HashMap<>();
    private boolean noCgroups; // the library cannot create cgroups here: timeouts use the process group

    /**
     * The command for the job's program, which is found as {@link Command#findProgram} finds it:
     * in PATH (the job's, if its env sets one) for a bare name; a relative path against the job's
     * working directory, when it has one.
     *
     * @throws ErrnoException with the library's message when the program is not found or cannot
     *     be pinned, or a limit or the sandbox is refused; nothing is cached then
     */
    synchronized Command forJob(BatchJob job) throws ErrnoException {
        String name = job.argv().getFirst();
        if (job.cwd() != null && name.indexOf('/') >= 0) {
            name = job.cwd().resolve(name).toString(); // unchanged when absolute
        }
        Path program = Command.findProgram(name, job.env());
        boolean ownCgroup = job.timeout() != null && !job.limits().any() && !noCgroups;
        Key key = new Key(program, job.limits(), job.sandbox(), ownCgroup, job.pty(), job.dieWithParent());
        Command c = commands.get(key);
        if (c == null) {
            try {
                c = build(key);
            } catch (ConfigException e) {
                if (!ownCgroup || !e.key().equals("cgroup.own")) {
                    throw e;
                }
                noCgroups = true; // said once: the tree of a job that times out is its process group
                System.err.println("pidspawn: no cgroup of its own for a job (" + e.getMessage()
                        + "): a timeout kills the job's process group, which setsid leaves");
                key = new Key(program, job.limits(), job.sandbox(), false, job.pty(), job.dieWithParent());
                c = commands.get(key);
                if (c == null) {
                    c = build(key);
                }
            }
            commands.put(key, c);
        }
        return c;
    }

    private static Command build(Key key) throws ErrnoException {
        Command.Builder b = Command.builder(key.program());
        if (!key.pty()) {
            b.processGroup(0);
        }
        if (key.dieWithParent()) {
            b.dieWithParent();
        }
        BatchJob.Limits l = key.limits();
        if (l.memoryMax() != null) {
            b.memoryMax(l.memoryMax());
        }
        if (l.pidsMax() != null) {
            b.pidsMax(l.pidsMax());
        }
        if (l.cpuMax() != null) {
            b.cpuMax(l.cpuMax());
        }
        if (key.sandbox() != null) {
            b.sandbox(key.sandbox());
        }
        if (key.ownCgroup()) {
            b.ownCgroup();
        }
        return b.build();
    }

    /** How many commands (distinct executables) the batch built. */
    synchronized int size() {
        return commands.size();
    }

    /** Closes every command; spawns under way finish first. */
    @Override
    public synchronized void close() {
        List<Command> all = new ArrayList<>(commands.values());
        commands.clear();
        all.forEach(Command::close);
    }
}
