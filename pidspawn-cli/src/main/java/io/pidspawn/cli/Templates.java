package io.pidspawn.cli;

import io.pidspawn.Command;
import io.pidspawn.ErrnoException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link Command} per executable for the whole batch, built the first time a job names it:
 * its builder is compiled once and every job that runs the same file spawns from it, sending only
 * its own argv, environment, working directory and stdio. Each command starts its children in a
 * process group of their own, so that a job can be killed with everything it started; a
 * {@code "pty"} job's command leaves that to its pty, whose child leads a session (and so a group).
 */
final class Templates implements AutoCloseable {
    private record Key(Path program, boolean pty) {}

    private final Map<Key, Command> commands = new HashMap<>();

    /**
     * The command for the job's program, which is found as {@link Command#findProgram} finds it:
     * in PATH (the job's, if its env sets one) for a bare name; a relative path against the job's
     * working directory, when it has one.
     *
     * @throws ErrnoException with the library's message when the program is not found or cannot
     *     be pinned; nothing is cached then
     */
    synchronized Command forJob(BatchJob job) throws ErrnoException {
        String name = job.argv().getFirst();
        if (job.cwd() != null && name.indexOf('/') >= 0) {
            name = job.cwd().resolve(name).toString(); // unchanged when absolute
        }
        Path program = Command.findProgram(name, job.env());
        Key key = new Key(program, job.pty());
        Command c = commands.get(key);
        if (c == null) {
            Command.Builder b = Command.builder(program);
            c = (job.pty() ? b : b.processGroup(0)).build();
            commands.put(key, c);
        }
        return c;
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
