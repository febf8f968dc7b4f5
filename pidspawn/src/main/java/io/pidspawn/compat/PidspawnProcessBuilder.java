package io.pidspawn.compat;

import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@link ProcessBuilder}'s API, starting processes through pidspawn: change
 * {@code new ProcessBuilder(...)} to {@code new PidspawnProcessBuilder(...)} and the rest of the
 * code stays as it is. {@code ProcessBuilder} is final, so this is a look-alike, not a subclass;
 * it takes the JDK's own {@link Redirect}s and starts {@link PidspawnProcess}es.
 *
 * <pre>{@code
 * Process p = new PidspawnProcessBuilder("sort", "-u")
 *         .directory(new File("/srv/data"))
 *         .redirectInput(new File("names.txt"))
 *         .redirectErrorStream(true)
 *         .start();
 * String sorted = new String(p.getInputStream().readAllBytes());
 * int exit = p.waitFor();
 * }</pre>
 *
 * <p>For the same inputs it does what the JDK's does, and fails as it fails: the same exception
 * types and messages for an empty command (ArrayIndexOutOfBoundsException), a null element
 * (NullPointerException), a NUL in an argument, a program that is missing or cannot be run
 * ({@code Cannot run program "x": Exec failed, error: 2 (No such file or directory) }), a bad
 * directory ({@code Cannot run program "x" (in directory "/nope"): ...}) and a redirect file that
 * cannot be opened ({@code Cannot run program "x": /nope/out.txt (No such file or directory)}).
 * The program is found as the JDK finds it: a bare name in this process's {@code PATH} (not the
 * child's), with empty and relative entries taken relative to the child's directory, and a file
 * without a {@code #!} line that the kernel will not run is run by {@code /bin/sh}. Redirect files
 * are opened by this process, relative to its working directory, before the child exists. As in
 * the JDK, the child gets fds 0, 1 and 2 only.
 *
 * <p>How it differs from the JDK's is listed in the {@linkplain io.pidspawn.compat package
 * documentation}. Like {@code ProcessBuilder}, it is not thread-safe.
 */
public final class PidspawnProcessBuilder {
    private List<String> command;
    private File directory;
    private Map<String, String> environment; // null until asked for: the child gets this process's
    private Redirect[] redirects; // null: all PIPE
    private boolean redirectErrorStream;

    /**
     * A builder for this command; the list is used as it is, not copied (as in the JDK).
     *
     * @param command the program and its arguments; not null
     */
    public PidspawnProcessBuilder(List<String> command) {
        if (command == null) {
            throw new NullPointerException();
        }
        this.command = command;
    }

    /**
     * A builder for this program and arguments.
     *
     * @param command the program and its arguments
     */
    public PidspawnProcessBuilder(String... command) {
        this.command = new ArrayList<>(Arrays.asList(command));
    }

    /**
     * The command list itself: changes to it change this builder.
     *
     * @return the list given or made last
     */
    public List<String> command() {
        return command;
    }

    /**
     * Sets the command list; it is used as it is, not copied.
     *
     * @param command the program and its arguments; not null
     * @return this builder
     */
    public PidspawnProcessBuilder command(List<String> command) {
        if (command == null) {
            throw new NullPointerException();
        }
        this.command = command;
        return this;
    }

    /**
     * Sets the command list to these strings.
     *
     * @param command the program and its arguments
     * @return this builder
     */
    public PidspawnProcessBuilder command(String... command) {
        this.command = new ArrayList<>(Arrays.asList(command));
        return this;
    }

    /**
     * The child's working directory, or null for this process's.
     *
     * @return the directory, or null
     */
    public File directory() {
        return directory;
    }

    /**
     * Sets the child's working directory; null for this process's. A relative one is relative to this process's.
     *
     * @param directory the directory, or null
     * @return this builder
     */
    public PidspawnProcessBuilder directory(File directory) {
        this.directory = directory;
        return this;
    }

    /**
     * The child's environment, a mutable copy of this process's made at the first call. As the
     * JDK's, it refuses null, names with {@code =} or NUL and values with NUL, and accepts the
     * empty name (the child gets {@code =value}).
     *
     * @return the environment map, the same one on every call
     */
    public Map<String, String> environment() {
        if (environment == null) {
            environment = new CheckedEnvironment();
        }
        return environment;
    }

    /**
     * The environment from {@code NAME=value} strings, as {@link Runtime#exec(String[], String[])}
     * takes it: each is cut at a NUL, split at its first {@code =} (so {@code =X=1} is the empty
     * name with value {@code X=1}), a later one of the same name wins, and one without {@code =}
     * is ignored. Null leaves this process's environment.
     *
     * @param envp the environment strings, or null
     * @return this builder
     */
    PidspawnProcessBuilder environment(String[] envp) {
        environment = envp == null ? null : CheckedEnvironment.ofEnvp(envp);
        return this;
    }

    /**
     * Where stdin comes from: {@link Redirect#PIPE} (the default), INHERIT or a file to read.
     *
     * @param source the redirect; not null
     * @return this builder
     * @throws IllegalArgumentException if it is a redirect to write to
     */
    public PidspawnProcessBuilder redirectInput(Redirect source) {
        if (source.type() == Redirect.Type.WRITE || source.type() == Redirect.Type.APPEND) {
            throw new IllegalArgumentException("Redirect invalid for reading: " + source);
        }
        redirects()[0] = source;
        return this;
    }

    /**
     * Where stdout goes: {@link Redirect#PIPE} (the default), INHERIT, DISCARD or a file to write or append to.
     *
     * @param destination the redirect; not null
     * @return this builder
     * @throws IllegalArgumentException if it is a redirect to read from
     */
    public PidspawnProcessBuilder redirectOutput(Redirect destination) {
        if (destination.type() == Redirect.Type.READ) {
            throw new IllegalArgumentException("Redirect invalid for writing: " + destination);
        }
        redirects()[1] = destination;
        return this;
    }

    /**
     * Where stderr goes, as {@link #redirectOutput(Redirect)}; ignored while {@link #redirectErrorStream()}.
     *
     * @param destination the redirect; not null
     * @return this builder
     * @throws IllegalArgumentException if it is a redirect to read from
     */
    public PidspawnProcessBuilder redirectError(Redirect destination) {
        if (destination.type() == Redirect.Type.READ) {
            throw new IllegalArgumentException("Redirect invalid for writing: " + destination);
        }
        redirects()[2] = destination;
        return this;
    }

    /**
     * Stdin from this file: {@code redirectInput(Redirect.from(file))}.
     *
     * @param file the file to read; not null
     * @return this builder
     */
    public PidspawnProcessBuilder redirectInput(File file) {
        return redirectInput(Redirect.from(file));
    }

    /**
     * Stdout to this file, truncated: {@code redirectOutput(Redirect.to(file))}.
     *
     * @param file the file to write; not null
     * @return this builder
     */
    public PidspawnProcessBuilder redirectOutput(File file) {
        return redirectOutput(Redirect.to(file));
    }

    /**
     * Stderr to this file, truncated: {@code redirectError(Redirect.to(file))}.
     *
     * @param file the file to write; not null
     * @return this builder
     */
    public PidspawnProcessBuilder redirectError(File file) {
        return redirectError(Redirect.to(file));
    }

    /**
     * Where stdin comes from.
     *
     * @return the redirect; {@link Redirect#PIPE} unless set
     */
    public Redirect redirectInput() {
        return redirects == null ? Redirect.PIPE : redirects[0];
    }

    /**
     * Where stdout goes.
     *
     * @return the redirect; {@link Redirect#PIPE} unless set
     */
    public Redirect redirectOutput() {
        return redirects == null ? Redirect.PIPE : redirects[1];
    }

    /**
     * Where stderr goes (unless {@link #redirectErrorStream()}).
     *
     * @return the redirect; {@link Redirect#PIPE} unless set
     */
    public Redirect redirectError() {
        return redirects == null ? Redirect.PIPE : redirects[2];
    }

    /**
     * Stdin, stdout and stderr are this process's own.
     *
     * @return this builder
     */
    public PidspawnProcessBuilder inheritIO() {
        Arrays.fill(redirects(), Redirect.INHERIT);
        return this;
    }

    /**
     * Whether stderr goes wherever stdout goes.
     *
     * @return true if stderr is merged into stdout; false by default
     */
    public boolean redirectErrorStream() {
        return redirectErrorStream;
    }

    /**
     * Whether stderr goes wherever stdout goes; {@link Process#getErrorStream()} is then at end of file.
     *
     * @param redirectErrorStream true to merge stderr into stdout
     * @return this builder
     */
    public PidspawnProcessBuilder redirectErrorStream(boolean redirectErrorStream) {
        this.redirectErrorStream = redirectErrorStream;
        return this;
    }

    /**
     * Starts the command.
     *
     * @throws IOException naming the program (and directory) as the JDK does, when the program
     *     cannot be found or run, the directory is bad, or a redirect file cannot be opened
     * @throws ArrayIndexOutOfBoundsException if the command is empty
     * @throws NullPointerException if an element of the command is null
     * @return the process, running
     */
    public Process start() throws IOException {
        return start(redirects().clone(), -1, -1);
    }

    /**
     * Starts a pipeline, each process's stdout piped to the next one's stdin, as
     * {@link ProcessBuilder#startPipeline} does: all but the first must read from
     * {@link Redirect#PIPE}, all but the last write to it, and those pipes connect the stages
     * directly (their streams on this side are null streams). If a stage fails to start, the
     * ones started are killed with SIGKILL and waited for, and the exception is thrown.
     *
     * @param builders the stages, in order; at least one
     * @return the processes, in the order of the builders
     * @throws IOException naming the stage's program when one cannot be started
     * @throws IllegalArgumentException if a stage's redirects do not allow the pipes between stages
     */
    public static List<Process> startPipeline(List<PidspawnProcessBuilder> builders) throws IOException {
        int stages = builders.size();
        List<Process> processes = new ArrayList<>(stages);
        int carried = -1; // the read end of the previous stage's stdout pipe
        int[] next = null;
        try {
            for (int i = 0; i < stages; i++) {
                PidspawnProcessBuilder b = builders.get(i);
                if (i > 0 && b.redirectInput() != Redirect.PIPE) {
                    throw new IllegalArgumentException("builder redirectInput() must be PIPE except for the first builder: "
                            + b.redirectInput());
                }
                if (i < stages - 1) {
                    if (b.redirectOutput() != Redirect.PIPE) {
                        throw new IllegalArgumentException("builder redirectOutput() must be PIPE except for the last builder: "
                                + b.redirectOutput());
                    }
                    next = Libc.pipe2(Libc.O_CLOEXEC);
                    if (next.length == 1) {
                        throw new ErrnoException("pipe2", -next[0], "between pipeline stages " + i + " and " + (i + 1));
                    }
                }
                processes.add(b.start(b.redirects().clone(), carried, next == null ? -1 : next[1]));
                carried = closeFd(carried);
                if (next != null) {
                    Libc.close(next[1]);
                    carried = next[0];
                    next = null;
                }
            }
        } catch (Exception e) {
            closeFd(carried);
            if (next != null && next.length == 2) {
                Libc.close(next[0]);
                Libc.close(next[1]);
            }
            processes.forEach(Process::destroyForcibly);
            for (Process p : processes) {
                try {
                    p.waitFor();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt(); // and go on with the next, as the JDK does
                }
            }
            throw e;
        }
        return processes;
    }

    /** The JDK's checks and its wrapping of every failure in "Cannot run program". */
    private PidspawnProcess start(Redirect[] r, int pipedIn, int pipedOut) throws IOException {
        String[] cmd = command.toArray(new String[0]);
        for (String arg : cmd) {
            if (arg == null) {
                throw new NullPointerException();
            }
        }
        String prog = cmd[0]; // ArrayIndexOutOfBoundsException for an empty command, as the JDK
        String dir = directory == null ? null : directory.toString();
        for (String s : cmd) {
            if (s.indexOf('\u0000') >= 0) {
                throw new IOException("invalid null character in command");
            }
        }
        try {
            return Launcher.start(cmd, directory, environment, r, redirectErrorStream, pipedIn, pipedOut);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("Cannot run program \"" + prog + "\"" + (dir == null ? "" : " (in directory \"" + dir + "\")")
                    + ": " + e.getMessage(), e);
        }
    }

    private Redirect[] redirects() {
        if (redirects == null) {
            redirects = new Redirect[] {Redirect.PIPE, Redirect.PIPE, Redirect.PIPE};
        }
        return redirects;
    }

    private static int closeFd(int fd) {
        if (fd >= 0) {
            Libc.close(fd);
        }
        return -1;
    }
}
