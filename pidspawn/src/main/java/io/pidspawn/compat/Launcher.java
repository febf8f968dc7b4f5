package io.pidspawn.compat;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnOverrides;
import io.pidspawn.SpawnStep;
import io.pidspawn.Stdio;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.reaper.PipeEnd;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One start of a {@link PidspawnProcessBuilder}, in the JDK's order: the redirect files are opened
 * here (as FileInputStream and FileOutputStream would open them), then the directory is checked
 * and the program found, then a {@link Command} spawns the child with the fds it needs. Whatever
 * fails, every fd opened on the way is closed. A failure of the child to start reads as the JDK's
 * does: {@code Exec failed, error: 2 (No such file or directory) }, with pidspawn's exception,
 * which names the step, as its cause.
 */
final class Launcher implements AutoCloseable {
    private static final String[] STDIO = {"stdin", "stdout", "stderr"};
    private static final Path SHELL = Path.of("/bin/sh");

    private final String[] cmd;
    private final File directory;
    private final Map<String, String> environment; // null: this process's
    private final List<Integer> lent = new ArrayList<>(); // files and the child's pipe ends: closed once spawned
    private final PipeEnd[] parentEnds = new PipeEnd[3];
    private boolean handedOver;

    private Launcher(String[] cmd, File directory, Map<String, String> environment) {
        this.cmd = cmd;
        this.directory = directory;
        this.environment = environment;
    }

    /**
     * Starts cmd; the arguments are checked (no null, no NUL, at least one).
     *
     * @param pipedIn a pipe's read end to be the child's stdin (startPipeline), or -1; not closed here
     * @param pipedOut a pipe's write end to be the child's stdout (startPipeline), or -1; not closed here
     */
    static PidspawnProcess start(String[] cmd, File directory, Map<String, String> environment, Redirect[] redirects,
                                 boolean mergeStderr, int pipedIn, int pipedOut) throws IOException {
        try (Launcher l = new Launcher(cmd, directory, environment)) {
            SpawnOverrides o = SpawnOverrides.none()
                    .withStdin(pipedIn >= 0 ? Stdio.fd(pipedIn) : l.stdio(0, redirects[0]))
                    .withStdout(pipedOut >= 0 ? Stdio.fd(pipedOut) : l.stdio(1, redirects[1]));
            if (mergeStderr) {
                if (redirects[2].file() != null) {
                    l.openFile(redirects[2]); // created or truncated all the same, as the JDK does
                }
                o = o.withStderr(Stdio.mergeWithStdout());
            } else {
                o = o.withStderr(l.stdio(2, redirects[2]));
            }
            Child child = l.spawn(l.program(), o);
            l.handedOver = true;
            return new PidspawnProcess(child, l.parentEnds[0] == null ? null : new PipeOutput(l.parentEnds[0]),
                    input(l.parentEnds[1]), input(l.parentEnds[2]));
        }
    }

    private static PipeInput input(PipeEnd end) {
        return end == null ? null : new PipeInput(end);
    }

    /** What the child gets as stdio fd: a new pipe, this process's own fd, or a file opened now. */
    private Stdio stdio(int fd, Redirect r) throws IOException {
        return switch (r.type()) {
            case PIPE -> Stdio.fd(pipe(fd));
            case INHERIT -> Stdio.inherit();
            case READ, WRITE, APPEND -> Stdio.fd(openFile(r));
        };
    }

    /** A new pipe: the child's end is lent for the spawn, this process keeps the other. */
    private int pipe(int fd) throws ErrnoException {
        int[] p = Libc.pipe2(Libc.O_CLOEXEC);
        if (p.length == 1) {
            throw new ErrnoException("pipe2", -p[0], "for " + STDIO[fd]);
        }
        int childEnd = fd == 0 ? p[0] : p[1];
        lent.add(childEnd);
        parentEnds[fd] = PipeEnd.take(fd == 0 ? p[1] : p[0], STDIO[fd] + " of " + cmd[0]); // closes it on failure
        return childEnd;
    }

    /** Opens a redirect's file as the JDK does, with its message on failure: {@code out.txt (Is a directory)}. */
    private int openFile(Redirect r) throws FileNotFoundException {
        int flags = switch (r.type()) {
            case READ -> Libc.O_RDONLY;
            case WRITE -> Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC;
            default -> Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND;
        };
        String name = r.file().getPath();
        int f = Libc.openat(Libc.AT_FDCWD, name, flags | Libc.O_CLOEXEC, 0666);
        if (f >= 0 && Files.isDirectory(Path.of("/proc/self/fd/" + f))) {
            Libc.close(f); // the JDK refuses a directory even where open(2) would read it
            f = -Errno.EISDIR;
        }
        if (f < 0) {
            throw new FileNotFoundException(name + " (" + Errno.description(-f) + ")");
        }
        lent.add(f);
        return f;
    }

    /** The program, found as the JDK's child finds it, relative to the directory it starts in. */
    private Path program() throws IOException {
        Path base = startDirectory();
        try {
            // Relative to the directory the child starts in, where it is pinned and exec'd by that name.
            return ProgramLookup.find(cmd[0], base);
        } catch (ErrnoException e) {
            throw execFailed(e);
        }
    }

    /** The directory the child starts in, checked now so its error comes before the program's, as in the JDK's child. */
    private Path startDirectory() throws IOException {
        if (directory == null) {
            return Path.of("").toAbsolutePath();
        }
        Path dir = directory.toPath().toAbsolutePath();
        int fd = Libc.openat(Libc.AT_FDCWD, dir.toString(), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            throw execFailed(new ErrnoException("chdir", -fd, dir.toString()));
        }
        Libc.close(fd);
        return dir;
    }

    /** Spawns the program; one the kernel cannot exec (no {@code #!} line) runs with /bin/sh, as the JDK's execvpe does. */
    private Child spawn(Path program, SpawnOverrides o) throws IOException {
        List<String> args = Arrays.asList(cmd).subList(1, cmd.length);
        try {
            return spawn(program, cmd[0], args, o);
        } catch (SpawnException e) {
            if (e.step() != SpawnStep.EXEC || e.errno() != Errno.ENOEXEC) {
                throw execFailed(e);
            }
        } catch (ErrnoException e) {
            throw execFailed(e);
        }
        List<String> shellArgs = new ArrayList<>();
        shellArgs.add(program.toString());
        shellArgs.addAll(args);
        try {
            return spawn(SHELL, SHELL.toString(), shellArgs, o);
        } catch (ErrnoException e) {
            throw execFailed(e);
        }
    }

    private Child spawn(Path program, String arg0, List<String> args, SpawnOverrides o) throws ErrnoException {
        Command.Builder b = Command.builder(program).arg0(arg0).args(args);
        if (directory != null) {
            b.cwd(directory.toPath()).programRelativeToCwd();
        }
        if (environment != null) {
            b.clearEnv();
            environment.forEach(b::env);
        }
        try (Command c = b.build()) {
            return c.spawn(o);
        }
    }

    /** The JDK's words for a child that could not start, its trailing space included; the cause names the step. */
    static IOException execFailed(ErrnoException cause) {
        int errno = cause.errno();
        return new IOException("Exec failed, error: " + errno + " (" + Errno.description(errno) + ") ", cause);
    }

    @Override
    public void close() {
        for (int fd : lent) {
            Libc.close(fd);
        }
        if (!handedOver) {
            for (PipeEnd p : parentEnds) {
                if (p != null) {
                    p.close();
                }
            }
        }
    }
}
