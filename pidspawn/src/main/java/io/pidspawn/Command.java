package io.pidspawn;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;
import io.pidspawn.internal.reaper.FdHandle;
import io.pidspawn.internal.reaper.CommandCleaner;
import io.pidspawn.internal.reaper.LeakDetector;
import io.pidspawn.internal.spawn.PathSearch;
import io.pidspawn.internal.spawn.Registry;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import io.pidspawn.uapi.SpawnAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A reusable recipe for starting a program: executable, arguments, environment, working
 * directory and fds, compiled once into a pidfd_spawn builder and spawned any number of times,
 * from any number of threads at once.
 *
 * <pre>{@code
 * try (Command git = Command.builder("git").args("-C", repo.toString()).build()) {
 *     Output status = git.output(SpawnOverrides.none().withArgs("status", "--short"), Capture.defaults());
 *     try (Child log = git.spawn(SpawnOverrides.none().withArgs("log").withStdout(Stdio.pipe()))) {
 *         log.stdout().transferTo(System.out);
 *         log.waitFor();
 *     }
 * }
 * }</pre>
 *
 * <h2>The template</h2>
 * {@link Builder#build()} opens a builder ({@link PidfdSpawn#pidfd_spawn_open}) and configures it
 * key by key: the executable is found and pinned then, the environment computed then. Each spawn
 * reuses the compiled builder and sends only what differs ({@link SpawnOverrides}, pipes, files
 * to open) with the run. {@link #close()} releases the builder; spawns under way finish first.
 *
 * <h2>The executable</h2>
 * A program with a slash is a path (relative to this process's working directory); a bare name
 * is looked up once, when the command is built, in the child's {@code PATH} (this process's,
 * unless the command sets or unsets it), or, without one, in {@code /usr/local/bin:/usr/bin:/bin}.
 * Empty and relative {@code PATH} entries are skipped, so a name never resolves to a file in
 * the working directory by accident. The file found is pinned: if a package upgrade renames a
 * new file over it, the next spawn notices (ESTALE) and, by default, pins the new file and
 * retries once; with {@link Policy#FAIL} it throws the {@link SpawnException} instead.
 *
 * <h2>The process</h2>
 * The builder also shapes the child process itself: session and process group, controlling
 * terminal, blocked and default signals, resource limits, umask, scheduling, nice value, user,
 * group and supplementary groups, parent-death signal, no_new_privs, a cgroup to start in and
 * new namespaces. Each is one key of the command's pidfd_spawn builder, set when the command is
 * built: what depends on the system (privilege, an existing cgroup) fails {@link Builder#build()}
 * with an {@link ErrnoException} naming the key, and what can only fail in the child (joining a
 * process group) fails the spawn with the step.
 *
 * <pre>{@code
 * Command job = Command.builder("make").args("-j8")
 *         .newSession()
 *         .rlimit(Resource.NOFILE, 1024, 1024)
 *         .nice(10)
 *         .parentDeathSignal(Signals.SIGTERM)
 *         .cgroup(Path.of("/sys/fs/cgroup/jobs/build-7"))
 *         .build();
 * }</pre>
 *
 * <h2>Defaults</h2>
 * The child inherits this process's environment (as it is when the command is built), working
 * directory, stdin, stdout and stderr; every other fd is closed. A command given another working
 * directory also sets the child's {@code PWD} to it, unless the caller set, unset or cleared the
 * environment ({@link Builder#cwd}). {@link #output()} captures
 * stdout and stderr and gives the child /dev/null as stdin unless the command (or the call) says
 * otherwise.
 */
public final class Command implements AutoCloseable {
    /** What a spawn does when the executable was replaced since it was pinned. */
    public enum Policy {
        /** Pin the file now at the path and retry the spawn once (the default). */
        REPIN,
        /** Throw the {@link SpawnException} with errno ESTALE. */
        FAIL
    }

    private final String name;
    private final Path program;
    private final Path programDir; // the cwd a relative program is pinned in (programRelativeToCwd), or null
    private final String pinName; // a relative program's path as given, which it is pinned and exec'd by
    private final List<String> argv;
    private final Map<String, String> env;
    private final Stdio[] stdio; // 0, 1, 2; null where the command leaves the default
    private final int[] heldStdioFds; // this command's copies of Stdio.fd sources for 0-2, or -1
    private final List<SpawnAction> fileActions; // opens for extra fds given files
    private final int lowestSource; // above every child fd a spawn writes to
    private final Policy onReplaced;
    private final Path cgroup; // the cgroup directory children start in, or null
    private final boolean pwdFollowsCwd; // the environment is inherited and the caller left PWD alone
    private final boolean setsGroup; // the command chose the children's group or session
    private final boolean leadsGroup; // ... and each child leads a group of its own
    private final boolean ownCgroup; // every child gets a cgroup of its own
    private final boolean killTreeOnClose;
    private final boolean dieWithParent;
    private final FdHandle builder; // its closer also closes heldStdioFds
    /** Closes the builder if the command becomes unreachable unclosed. */
    private final CommandCleaner.Cleanable cleanable;
    private final Object repinLock = new Object();
    private volatile long pins; // how often the executable was pinned again
    private volatile Registry.Runner runner; // the builder behind the builder fd, once resolved

    private Command(Builder b, Path program, Map<String, String> env, int builderFd, int[] held, List<SpawnAction> fileActions,
                    int lowestSource) {
        this.name = b.name;
        this.program = program;
        this.programDir = b.programDir();
        this.pinName = b.pinName();
        this.argv = b.argv();
        this.env = env;
        this.stdio = b.stdio.clone();
        this.heldStdioFds = held;
        this.fileActions = List.copyOf(fileActions);
        this.lowestSource = lowestSource;
        this.onReplaced = b.onReplaced;
        this.cgroup = b.process.cgroupDirectory();
        this.pwdFollowsCwd = b.pwdFollowsCwd();
        this.setsGroup = b.process.setsGroup();
        this.leadsGroup = b.process.leadsGroup();
        this.ownCgroup = b.process.hasOwnCgroup();
        this.killTreeOnClose = b.process.killsTreeOnClose();
        this.dieWithParent = b.process.diesWithParent();
        Object owner = io.pidspawn.internal.spawn.Registry.owner(builderFd);
        FdHandle handle = new FdHandle(builderFd, fd -> {
            for (int h : held) {
                LongLivedFds.closeInternal(h);
            }
            // By the owner, not the number: a number closed behind this command's back may be
            // another file's now, which a late close (the cleaner's) must not take away.
            io.pidspawn.internal.spawn.Registry.closeIfOwner(fd, owner);
        });
        this.builder = handle;
        this.cleanable = CommandCleaner.register(this, handle, toString(), LeakDetector.ENABLED ? new Throwable("built here") : null);
    }

    /**
     * A command running {@code program}: a path, or a bare name looked up in PATH when built.
     *
     * @param program a path ({@code ./run.sh}, {@code /bin/ls}) or a bare name ({@code git}); not null
     * @return a builder whose argv is {@code [program]} until {@link Builder#args} says otherwise
     */
    public static Builder builder(String program) {
        return new Builder(program);
    }

    /**
     * A command running the file at {@code program}: a Path is never looked up in PATH; a relative
     * one is relative to the working directory when built.
     *
     * @param program the executable file; not null
     * @return a builder for that file
     */
    public static Builder builder(Path program) {
        String file = program.toString();
        Builder b = new Builder(file.indexOf('/') >= 0 ? file : "./" + file);
        b.pathAsGiven = file;
        return b;
    }

    /**
     * The executable {@link Builder#build()} would pin for {@code program} in a child whose
     * environment is {@code childEnv}: a name with a slash is a path (made absolute against this
     * process's working directory), a bare name is looked up in {@code childEnv}'s PATH, else this
     * process's, else {@code /usr/local/bin:/usr/bin:/bin}. For callers that keep one command per
     * executable; nothing is opened or pinned.
     *
     * @param program a path or a bare name, as for {@link #builder(String)}; not empty, no NUL
     * @param childEnv the child's environment, whose {@code PATH} is searched; not null
     * @return the absolute path of the executable
     * @throws IllegalArgumentException if {@code program} is empty or contains a NUL
     * @throws ErrnoException ENOENT or EACCES when a bare name is not found, or not executable, in PATH
     */
    public static Path findProgram(String program, Map<String, String> childEnv) throws ErrnoException {
        if (program.isEmpty() || program.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a program name: \"" + program + "\"");
        }
        return Path.of(PathSearch.resolve(program, childEnv));
    }

    /**
     * The executable, as found when the command was built.
     *
     * @return its absolute path
     */
    public Path program() {
        return program;
    }

    /**
     * The argument vector, argv[0] included.
     *
     * @return an unmodifiable list
     */
    public List<String> argv() {
        return argv;
    }

    // ---- spawning ----

    /**
     * Starts the program as configured.
     *
     * @return the running child; close it (try-with-resources) when done with it
     * @throws SpawnException naming the step and errno; nothing is left behind (no fd, no child)
     * @throws IllegalStateException if the command is closed
     */
    public Child spawn() throws SpawnException {
        return spawn(SpawnOverrides.none());
    }

    /**
     * Starts the program with these arguments after the command's own.
     *
     * @param moreArgs appended to the command's argv for this spawn only; not null
     * @return the running child
     * @throws SpawnException naming the step and errno; nothing is left behind
     * @throws IllegalStateException if the command is closed
     */
    public Child spawn(List<String> moreArgs) throws SpawnException {
        return spawn(SpawnOverrides.none().withArgs(moreArgs));
    }

    /**
     * Starts the program with these variables set on top of the command's environment.
     *
     * @param moreEnv variables set (or replaced) for this spawn only; not null
     * @return the running child
     * @throws SpawnException naming the step and errno; nothing is left behind
     * @throws IllegalStateException if the command is closed
     */
    public Child spawn(Map<String, String> moreEnv) throws SpawnException {
        return spawn(SpawnOverrides.none().withEnv(moreEnv));
    }

    /**
     * Starts the program with this spawn's differences.
     *
     * @param overrides what differs for this spawn (arguments, environment, stdio); not null
     * @return the running child
     * @throws SpawnException naming the step and errno; nothing is left behind (no fd, no child)
     * @throws IllegalStateException if the command is closed
     */
    public Child spawn(SpawnOverrides overrides) throws SpawnException {
        long pinned = pins;
        try {
            return Launch.start(this, overrides);
        } catch (SpawnException e) {
            if (e.errno() != Errno.ESTALE || e.step() != SpawnStep.PREPARE || onReplaced == Policy.FAIL) {
                throw e;
            }
            repin(pinned, e);
            return Launch.start(this, overrides);
        }
    }

    /**
     * As {@link #spawn(SpawnOverrides)}, for output(): the child leads a process group of its own
     * (unless the command chose its group or session), and with a timeout gets a cgroup of its
     * own where the system allows, so that the timeout can end its whole tree.
     */
    private Child spawnForOutput(SpawnOverrides overrides, boolean timeout) throws SpawnException {
        long pinned = pins;
        try {
            return Launch.start(this, overrides, true, timeout && cgroup == null && !ownCgroup);
        } catch (SpawnException e) {
            if (e.errno() != Errno.ESTALE || e.step() != SpawnStep.PREPARE || onReplaced == Policy.FAIL) {
                throw e;
            }
            repin(pinned, e);
            return Launch.start(this, overrides, true, timeout && cgroup == null && !ownCgroup);
        }
    }

    /**
     * Pins the program: a relative path by {@code pinName}, the path as given (relative to this
     * process's directory, or to {@code dir} if not null), so that a {@code #!} script sees it as
     * {@code $0}, as with execve; else the absolute path.
     */
    private static void configureExecutable(int b, String name, String pinName, Path program, Path dir) throws ErrnoException {
        int dirFd = name.indexOf('/') <= 0 ? -1 : dir == null ? Libc.AT_FDCWD
                : Libc.openat(Libc.AT_FDCWD, dir.toString(), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (dirFd < 0 && dirFd != Libc.AT_FDCWD) {
            // an absolute path, a name found in PATH, or a cwd that is not there (whose own error follows)
            PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_EXECUTABLE, program.toString(), 0);
            return;
        }
        try {
            PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_PATH, PidfdSpawn.KEY_EXECUTABLE, pinName, dirFd);
        } finally {
            if (dirFd >= 0) {
                Libc.close(dirFd);
            }
        }
    }

    /** Pins the file now at the executable's path, unless another spawn already did since {@code seen}. */
    private void repin(long seen, SpawnException stale) throws SpawnException {
        synchronized (repinLock) {
            if (pins != seen) {
                return;
            }
            int b = acquireBuilder();
            try {
                configureExecutable(b, name, pinName, program, programDir);
                pins++;
            } catch (ErrnoException e) {
                SpawnException failed = new SpawnException(program.toString(), SpawnStep.PREPARE, e.errno(),
                        "executable replaced since it was pinned, and pinning it again failed (" + e.getMessage() + ")", -1);
                failed.addSuppressed(stale);
                throw failed;
            } finally {
                builder.release();
            }
        }
    }

    // ---- output ----

    /**
     * Runs the program to its end and returns what it wrote to stdout and stderr, with stdin
     * /dev/null unless the command sets it; as {@link #output(SpawnOverrides, Capture)}.
     *
     * @return the output and the exit status
     * @throws SpawnException if the spawn failed
     * @throws ErrnoException if reading the output failed
     * @throws InterruptedException if interrupted while waiting; the child is then killed
     */
    public Output output() throws ErrnoException, InterruptedException {
        return output(SpawnOverrides.none(), Capture.defaults());
    }

    /**
     * As {@link #output()}, with input, a timeout or an output limit.
     *
     * @param capture the input, timeout and limit; not null
     * @return the output and the exit status, and whether the timeout or the limit ended the child
     * @throws SpawnException if the spawn failed
     * @throws ErrnoException if reading the output failed
     * @throws InterruptedException if interrupted while waiting; the child is then killed
     */
    public Output output(Capture capture) throws ErrnoException, InterruptedException {
        return output(SpawnOverrides.none(), capture);
    }

    /**
     * Spawns with these differences, feeds the capture's input, collects stdout and stderr until
     * both end and the child has exited (or the timeout passes: it is then killed), and closes
     * the child. Stdout and stderr are captured unless the command or the overrides send them
     * elsewhere; stdin is /dev/null unless input is given or the command or overrides set it.
     * No thread is started per child: the library's reaper thread reads the pipes.
     *
     * @param overrides what differs for this spawn; not null
     * @param capture the input, timeout and limit; not null
     * @return the output and the exit status, and whether the timeout or the limit ended the child
     * @throws IllegalArgumentException if both the overrides and the capture give stdin
     * @throws SpawnException if the spawn failed
     * @throws ErrnoException if reading the output failed
     * @throws InterruptedException if interrupted while waiting; the child is then killed
     */
    public Output output(SpawnOverrides overrides, Capture capture) throws ErrnoException, InterruptedException {
        SpawnOverrides o = overrides;
        if (capture.hasInput()) {
            if (o.stdio(0) != null) {
                throw new IllegalArgumentException("stdin is given twice: by the overrides and by the capture's input");
            }
            o = o.withStdin(capture.inputFile() != null ? Stdio.readFrom(capture.inputFile()) : Stdio.pipe());
        }
        Stdio[] defaults = {Stdio.discard(), Stdio.pipe(), Stdio.pipe()};
        for (int fd = 0; fd <= 2; fd++) {
            if (o.stdio(fd) == null && stdio[fd] == null) {
                o = o.withStdio(fd, defaults[fd]);
            }
        }
        try (Child child = spawnForOutput(o, capture.timeout() != null)) {
            return Collector.collect(child, capture.input(), capture);
        }
    }

    /**
     * Releases the builder (and the pinned executable, and the fds the command holds) once the
     * spawns under way are done; later spawns throw IllegalStateException. A command that becomes
     * unreachable unclosed is released the same way once the garbage collector finds it (the
     * reaper thread looks once a second while commands are open); with {@code -Dpidspawn.leakDetector=true} that is reported,
     * with the stack trace of its {@link Builder#build()}.
     */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "Command" + argv + (program.toString().equals(argv.getFirst()) ? "" : " (" + program + ")");
    }

    // ---- for Launch ----

    /** Takes a reference to the builder fd for one spawn; release it with {@code builder.release()}. */
    int acquireBuilder() {
        if (!builder.acquire()) {
            throw new IllegalStateException("cannot spawn " + name + ": the command is closed");
        }
        return builder.fd();
    }

    void releaseBuilder() {
        builder.release();
    }

    /**
     * Runs the builder at builderFd (taken with acquireBuilder): looked up in the registry at the
     * first spawn only, since the command owns that fd for its whole life.
     */
    Spawned run(int builderFd, RunArgs args) throws ErrnoException {
        Registry.Runner r = runner;
        if (r == null) {
            runner = r = Registry.runner(builderFd);
        }
        return r.run(args);
    }

    Stdio stdio(int fd) {
        return stdio[fd];
    }

    /** The cgroup directory children start in, or null. */
    Path cgroup() {
        return cgroup;
    }

    boolean setsGroup() {
        return setsGroup;
    }

    boolean leadsGroup() {
        return leadsGroup;
    }

    boolean killsTreeOnClose() {
        return killTreeOnClose;
    }

    boolean diesWithParent() {
        return dieWithParent;
    }

    /** Whether the command makes each child a cgroup itself: {@code ownCgroup()}, a limit, or a named cgroup. */
    boolean placesCgroup() {
        return ownCgroup || cgroup != null;
    }

    /** This command's copy of the Stdio.fd source for stdio fd 0-2. */
    int heldStdioFd(int fd) {
        return heldStdioFds[fd];
    }

    List<SpawnAction> fileActions() {
        return fileActions;
    }

    int lowestSource() {
        return lowestSource;
    }

    Map<String, String> env() {
        return env;
    }

    /** Whether a spawn's own working directory sets its PWD (see {@link SpawnOverrides#withCwd}). */
    boolean pwdFollowsCwd() {
        return pwdFollowsCwd;
    }

    /**
     * The PWD for an absolute working directory: the path without {@code .} and {@code ..}
     * components, as Go's filepath.Abs gives it, unless dropping a {@code ..} after a symbolic
     * link would name another directory; then the path as given.
     */
    static String pwdOf(Path dir) {
        Path clean = dir.normalize();
        try {
            return clean.equals(dir) || java.nio.file.Files.isSameFile(clean, dir) ? clean.toString() : dir.toString();
        } catch (java.io.IOException e) {
            return dir.toString();
        }
    }

    // ---- validation shared with SpawnOverrides ----

    static void checkEnvName(String name) {
        // The empty name is a name: "=value" reaches the child, as the JDK passes it.
        if (name == null || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not an environment variable name: \"" + name + "\"");
        }
    }

    /** Checks that s makes sense at child fd: files by direction, pipes for 0-2, merging for 2. */
    static Stdio checkStdio(int fd, Stdio s) {
        Objects.requireNonNull(s, "stdio");
        String where = fd <= 2 ? new String[] {"stdin", "stdout", "stderr"}[fd] : "fd " + fd;
        String refusal = switch (s) {
            case Stdio.ReadFrom _ when fd == 1 || fd == 2 -> "a file to read";
            case Stdio.WriteTo _ when fd == 0 -> "a file to write";
            case Stdio.Pipe _ when fd > 2 -> "a pipe (pipes are for stdin, stdout and stderr; pass a pipe of your own with Stdio.fd)";
            case Stdio.MergeWithStdout _ when fd != 2 -> "merged with stdout (only stderr can be)";
            case Stdio.Pty _ when fd > 2 -> "a pty (ptys are for stdin, stdout and stderr)";
            default -> null;
        };
        if (refusal != null) {
            throw new IllegalArgumentException(where + " cannot be " + refusal + ": " + s);
        }
        return s;
    }

    /**
     * Configures a {@link Command}. Not thread-safe; {@link #build()} may be called more than
     * once, each time making an independent command.
     */
    public static final class Builder {
        private final String name;
        private final List<String> args = new ArrayList<>();
        private String arg0;
        private final List<String[]> envOps = new ArrayList<>(); // {name, value}, {name, null} unsets, {} clears
        private Path cwd;
        private final Stdio[] stdio = new Stdio[3];
        private final TreeMap<Integer, Stdio> extraFds = new TreeMap<>();
        private boolean inheritFds;
        private Policy onReplaced = Policy.REPIN;
        private final ProcessSettings process = new ProcessSettings();
        private Sandbox sandbox;
        private boolean programInCwd;
        private String pathAsGiven; // a Path's own text, "./" not added

        private Builder(String program) {
            if (program.isEmpty() || program.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("not a program name: \"" + program + "\"");
            }
            this.name = program;
        }

        /**
         * Appends arguments (argv[1] onwards).
         *
         * @param more the arguments; none may be null
         * @return this builder
         */
        public Builder args(String... more) {
            return args(List.of(more));
        }

        /**
         * Appends arguments (argv[1] onwards).
         *
         * @param more the arguments; none may be null
         * @return this builder
         * @throws NullPointerException if an argument is null
         */
        public Builder args(List<String> more) {
            for (String a : more) {
                if (a.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("argument contains a NUL: \"" + a + "\"");
                }
            }
            args.addAll(more);
            return this;
        }

        /**
         * What the program sees as argv[0]; by default the program as given to {@link Command#builder}.
         *
         * @param name the argv[0]; not null
         * @return this builder
         */
        public Builder arg0(String name) {
            this.arg0 = Objects.requireNonNull(name, "arg0");
            return this;
        }

        /**
         * Sets one variable (the environment is this process's unless {@link #clearEnv()}).
         *
         * @param name the variable's name: not empty, no {@code =} or NUL
         * @param value its value; not null
         * @return this builder
         * @throws IllegalArgumentException if the name is not a variable name
         */
        public Builder env(String name, String value) {
            checkEnvName(name);
            envOps.add(new String[] {name, Objects.requireNonNull(value, "value")});
            return this;
        }

        /**
         * Removes one variable from the child's environment (a no-op if it is not set).
         *
         * @param name the variable's name: not empty, no {@code =} or NUL
         * @return this builder
         * @throws IllegalArgumentException if the name is not a variable name
         */
        public Builder unsetEnv(String name) {
            checkEnvName(name);
            envOps.add(new String[] {name, null});
            return this;
        }

        /**
         * Starts from an empty environment: variables set before this call are dropped too.
         *
         * @return this builder
         */
        public Builder clearEnv() {
            envOps.add(new String[0]);
            return this;
        }

        /**
         * The working directory (a relative path is resolved against this process's now). When
         * the child inherits this process's environment (no {@link #clearEnv()}) and the caller
         * neither sets nor unsets {@code PWD}, the child's {@code PWD} becomes this directory, as
         * an absolute path without {@code .} or {@code ..}: otherwise it would still name this
         * process's directory. Go's os/exec does the same since Go 1.19 (for an inherited
         * environment only, so as not to override an environment the caller chose).
         *
         * @param dir the directory; it must exist when the command is built
         * @return this builder
         */
        public Builder cwd(Path dir) {
            this.cwd = dir.toAbsolutePath();
            return this;
        }

        /**
         * Makes a relative program path ({@code ./run.sh}, {@code bin/tool}) relative to the
         * {@link #cwd} the child starts in rather than to this process's directory, as execve
         * resolves it in a child that changed directory first: ProcessBuilder's rule with
         * {@code directory()} set. The file is still found and pinned when built, and a
         * {@code #!} script sees the relative path as given as {@code $0} (a
         * {@code Path.of("run.sh")} as {@code run.sh}). No effect without a cwd, or for an
         * absolute path or a bare name.
         *
         * @return this builder
         */
        public Builder programRelativeToCwd() {
            this.programInCwd = true;
            return this;
        }

        /** The directory a relative program is pinned in, when {@link #programRelativeToCwd} applies. */
        private Path programDir() {
            return programInCwd && cwd != null && name.indexOf('/') > 0 ? cwd : null;
        }

        /** The name a relative program is pinned by: a Path as given ({@code top}, not {@code ./top}), as execve takes it. */
        private String pinName() {
            return pathAsGiven != null ? pathAsGiven : name;
        }

        /**
         * Where the child's stdin (fd 0) comes from or goes; by default this process's.
         *
         * @param s the source or destination; not null
         * @return this builder
         * @throws IllegalArgumentException if {@code s} cannot be stdin: a file to write, or merging with stdout
         */
        public Builder stdin(Stdio s) {
            stdio[0] = checkStdio(0, s);
            return this;
        }

        /**
         * Where the child's stdout (fd 1) comes from or goes; by default this process's.
         *
         * @param s the source or destination; not null
         * @return this builder
         * @throws IllegalArgumentException if {@code s} cannot be stdout: a file to read, or merging with stdout
         */
        public Builder stdout(Stdio s) {
            stdio[1] = checkStdio(1, s);
            return this;
        }

        /**
         * Where the child's stderr (fd 2) comes from or goes; by default this process's.
         *
         * @param s the source or destination; not null
         * @return this builder
         * @throws IllegalArgumentException if {@code s} cannot be stderr: a file to read
         */
        public Builder stderr(Stdio s) {
            stdio[2] = checkStdio(2, s);
            return this;
        }

        /**
         * What the child gets as fd {@code childFd}: 0-2 as {@link #stdin}, {@link #stdout} and
         * {@link #stderr}; above, a file, /dev/null, or a fd of this process
         * ({@link Stdio#inherit()} passes this process's fd of the same number).
         *
         * @param childFd the fd number in the child, 0 or more
         * @param s what the child gets there; not null
         * @return this builder
         * @throws IllegalArgumentException if {@code s} does not fit that fd (a pipe above 2, a file in the wrong direction)
         */
        public Builder fd(int childFd, Stdio s) {
            if (childFd < 0) {
                throw new IllegalArgumentException("child fd " + childFd + " is negative");
            }
            if (childFd <= 2) {
                stdio[childFd] = checkStdio(childFd, s);
            } else {
                extraFds.put(childFd, checkStdio(childFd, s));
            }
            return this;
        }

        /**
         * The child gets a copy of this process's fd {@code parentFd} as fd {@code childFd}.
         *
         * @param childFd the fd number in the child, 0 or more
         * @param parentFd an open fd of this process, copied when the command is built
         * @return this builder
         */
        public Builder fd(int childFd, int parentFd) {
            return fd(childFd, Stdio.fd(parentFd));
        }

        /**
         * Keeps every fd this process has open without close-on-exec, not just 0-2 and the mapped ones.
         *
         * @return this builder
         */
        public Builder inheritFds() {
            this.inheritFds = true;
            return this;
        }

        /**
         * What a spawn does when the executable was replaced since the command was built.
         *
         * @param policy retry with the new file, or fail; not null
         * @return this builder
         */
        public Builder onReplacedExecutable(Policy policy) {
            this.onReplaced = Objects.requireNonNull(policy, "policy");
            return this;
        }

        // ---- the process itself: each maps to one builder key (see ProcessSettings) ----

        /**
         * The child starts a new session (setsid), so it leads a new session and process group.
         *
         * @return this builder
         */
        public Builder newSession() {
            process.newSession();
            return this;
        }

        /**
         * The child joins process group {@code pgid} (setpgid); 0 gives it a group of its own, which
         * {@link Child#killProcessGroup} can then signal. Joining a group fails the spawn (step
         * SETPGID) unless the group exists in this process's session.
         *
         * @param pgid the group to join, or 0 for a group of its own
         * @return this builder
         */
        public Builder processGroup(int pgid) {
            process.processGroup(pgid);
            return this;
        }

        /**
         * Makes the terminal open at this process's {@code fd} the child's controlling terminal
         * (TIOCSCTTY); implies {@link #newSession()}. The fd is copied when the command is built:
         * close it whenever you like after that. It does not become the child's stdin: give it with
         * {@link #fd(int, int)} as well if the child should read from it.
         *
         * @param fd an open terminal fd of this process
         * @return this builder
         */
        public Builder controllingTerminal(int fd) {
            process.controllingTerminal(fd);
            return this;
        }

        /**
         * Adds signals the child starts with blocked; without this call it starts with none blocked
         * (whatever the spawning thread blocks). A program can unblock them, and exec keeps the mask.
         *
         * @param signals signal numbers, 1 to {@link Signals#MAX}
         * @return this builder
         */
        public Builder blockSignals(int... signals) {
            process.blockSignals(signals);
            return this;
        }

        /**
         * Adds signals reset to their default action in the child. Signals this process handles
         * are reset anyway; this matters for signals it ignores, which a child would otherwise
         * inherit ignored.
         *
         * @param signals signal numbers, 1 to {@link Signals#MAX}
         * @return this builder
         */
        public Builder defaultSignals(int... signals) {
            process.defaultSignals(signals);
            return this;
        }

        /**
         * Sets a resource limit (setrlimit); {@link Resource#UNLIMITED} for none. Raising a hard
         * limit above this process's needs privilege (the build then fails with EPERM).
         *
         * @param resource which limit; not null
         * @param soft the soft limit, in the resource's unit, or {@link Resource#UNLIMITED}
         * @param hard the hard limit, at least {@code soft}, or {@link Resource#UNLIMITED}
         * @return this builder
         */
        public Builder rlimit(Resource resource, long soft, long hard) {
            process.rlimit(resource, soft, hard);
            return this;
        }

        /**
         * The file mode creation mask, such as {@code 0027}.
         *
         * @param mask the mask, 0 to 0777
         * @return this builder
         */
        public Builder umask(int mask) {
            process.umask(mask);
            return this;
        }

        /**
         * The scheduling policy and priority (sched_setscheduler): 1..99 for the real-time
         * policies, which need privilege, else 0.
         *
         * @param policy the policy; not null
         * @param priority the static priority: 1..99 for FIFO and RR, else 0
         * @return this builder
         */
        public Builder scheduling(SchedPolicy policy, int priority) {
            process.scheduling(policy, priority);
            return this;
        }

        /**
         * The nice value, -20 (favoured) to 19; lowering it below this process's needs privilege.
         *
         * @param value the nice value, -20 to 19
         * @return this builder
         */
        public Builder nice(int value) {
            process.nice(value);
            return this;
        }

        /**
         * The child runs as this user id (real, effective and saved), set after everything else
         * that may need privilege. Changing it needs privilege (CAP_SETUID), or
         * {@link Namespace#USER} with a {@link #uidMap} that maps it.
         *
         * <p>With a user or a {@link #group} and no {@link #supplementaryGroups}, the child gets
         * no supplementary groups (setgroups with an empty list), as Go's exec, su, runuser and
         * systemd do: it does not keep this process's, which would hand the new identity
         * privileges the caller never meant to give. {@link #initGroups()} gives it the user's own
         * groups instead, {@link #keepSupplementaryGroups()} keeps this process's. (Only a root
         * process changes ids without a user namespace, and in a user namespace an unprivileged
         * process made, the kernel forbids setgroups: its groups then stay.)
         *
         * @param uid the user id, 0 or more
         * @return this builder
         */
        public Builder user(int uid) {
            process.user(uid);
            return this;
        }

        /**
         * The child runs with this group id (real, effective and saved); privilege as for
         * {@link #user}, and, as there, the supplementary groups are dropped unless set.
         *
         * @param gid the group id, 0 or more
         * @return this builder
         */
        public Builder group(int gid) {
            process.group(gid);
            return this;
        }

        /**
         * The child's supplementary groups, replacing this process's; none for an empty list. Needs CAP_SETGID.
         *
         * @param gids the group ids; none for an empty list
         * @return this builder
         */
        public Builder supplementaryGroups(int... gids) {
            process.supplementaryGroups(gids);
            return this;
        }

        /**
         * The child gets the supplementary groups of its {@link #user} as initgroups(3) computes
         * them: its primary group ({@link #group}, else the one in /etc/passwd) and every group
         * /etc/group lists it in, read when the command is built. Only those files are read, not
         * other NSS sources (LDAP, sssd). The build fails with ENOENT when the uid has no
         * /etc/passwd entry, and with IllegalArgumentException without {@link #user}.
         *
         * @return this builder
         */
        public Builder initGroups() {
            process.initGroups();
            return this;
        }

        /**
         * The child keeps this process's supplementary groups when {@link #user} or
         * {@link #group} changes its ids, instead of losing them (the default).
         *
         * @return this builder
         */
        public Builder keepSupplementaryGroups() {
            process.keepSupplementaryGroups();
            return this;
        }

        /**
         * The child's effective ids become its real ones, as POSIX_SPAWN_RESETIDS does (drops a set-id bit's effect).
         *
         * @return this builder
         */
        public Builder resetIds() {
            process.resetIds();
            return this;
        }

        /**
         * The signal the child gets when this process dies (PR_SET_PDEATHSIG). Such children are
         * spawned from one long-lived library thread, since the kernel sends the signal when the
         * <em>thread</em> that created the child exits.
         *
         * @param signal the signal number, 1 to {@link Signals#MAX}
         * @return this builder
         */
        public Builder parentDeathSignal(int signal) {
            process.parentDeathSignal(signal);
            return this;
        }

        /**
         * Sets no_new_privs: neither the child nor anything it execs can gain privileges (set-id bits, file capabilities).
         *
         * @return this builder
         */
        public Builder noNewPrivileges() {
            process.noNewPrivileges();
            return this;
        }

        /**
         * Starts the child in the cgroup v2 at this directory (CLONE_INTO_CGROUP, Linux 5.7): it is
         * in it from its first instruction, so no fork it makes can escape. The directory must
         * exist when the command is built. {@link Child#killCgroup()} kills everything in it.
         *
         * @param cgroupDirectory the cgroup's directory under the cgroup2 mount
         * @return this builder
         */
        public Builder cgroup(Path cgroupDirectory) {
            process.cgroup(cgroupDirectory);
            return this;
        }

        /**
         * As {@link #cgroup(Path)}, named as /proc/self/cgroup names it: {@code /jobs/build-7}, from the cgroup2 root.
         *
         * @param cgroupPath the path from the cgroup2 root, starting with {@code /}
         * @return this builder
         */
        public Builder cgroup(String cgroupPath) {
            process.cgroup(cgroupPath);
            return this;
        }

        /**
         * Gives every child a cgroup of its own, created by the library for each spawn under
         * {@link #cgroupParent} (by default this process's own cgroup, in each hierarchy) and
         * removed once the child is reaped and nothing is left in it. Everything the child starts
         * stays in it, so {@link Child#killTree()} and timeouts reach daemons too, and the child's
         * {@link Usage} gets its peak memory. On cgroup v2 the child starts in it (CLONE_INTO_CGROUP);
         * on v1 it joins it before exec (step {@code join cgroup}). Fails the build with ENOTSUP
         * (EOPNOTSUPP) when neither cgroup v2 nor a cgroup v1 freezer is usable.
         *
         * @return this builder
         */
        public Builder ownCgroup() {
            process.ownCgroup();
            return this;
        }

        /**
         * Where the cgroups of {@link #ownCgroup()} and the limits are created: a cgroup path as
         * /proc/self/cgroup names one ({@code /jobs}), in every hierarchy used; it must exist and
         * be writable (delegated). By default, this process's own cgroup.
         *
         * @param cgroupPath the path from the cgroup root, starting with {@code /}
         * @return this builder
         */
        public Builder cgroupParent(String cgroupPath) {
            process.cgroupParent(cgroupPath);
            return this;
        }

        /**
         * Limits the memory of the child and everything it starts (cgroup v2 {@code memory.max},
         * v1 {@code memory.limit_in_bytes}): past it, the kernel reclaims and then the OOM killer
         * kills, which {@link Usage#oomKilled()} reports. Implies {@link #ownCgroup()}. Fails the
         * build with ENOTSUP naming what is missing when no memory controller is usable.
         *
         * @param bytes the limit, in bytes
         * @return this builder
         */
        public Builder memoryMax(long bytes) {
            process.memoryMax(bytes);
            return this;
        }

        /**
         * Limits the swap the tree may use (v2 {@code memory.swap.max}; v1 memory+swap, which needs {@link #memoryMax}).
         *
         * @param bytes the limit, in bytes
         * @return this builder
         */
        public Builder swapMax(long bytes) {
            process.swapMax(bytes);
            return this;
        }

        /**
         * Limits the number of tasks (processes and threads) in the tree ({@code pids.max}): a fork past it fails with EAGAIN.
         *
         * @param tasks the most tasks at once
         * @return this builder
         */
        public Builder pidsMax(int tasks) {
            process.pidsMax(tasks);
            return this;
        }

        /**
         * Limits the CPU bandwidth of the tree to this many CPUs (0.5 is half of one CPU): a quota
         * per 100 ms period (v2 {@code cpu.max}, v1 {@code cpu.cfs_quota_us}).
         *
         * @param cpus the CPU share, such as 0.5 or 2
         * @return this builder
         */
        public Builder cpuMax(double cpus) {
            process.cpuMax(cpus);
            return this;
        }

        /**
         * {@link Child#close()} (and dropping a Child unclosed) kills the child's tree, as
         * {@link Child#killTree()}, instead of leaving it running.
         *
         * @return this builder
         */
        public Builder killTreeOnClose() {
            process.killTreeOnClose();
            return this;
        }

        /**
         * The child and everything it starts die when this JVM ends, however it ends (System.exit,
         * a crash, SIGKILL). The child gets SIGKILL as its {@link #parentDeathSignal} (unless one
         * was set), leads a process group of its own (unless the command chose its group or
         * session) and gets a cgroup of its own where the library can create one (as
         * {@link #ownCgroup()}, but without failing where it cannot). The tree is registered with
         * a watcher: a {@code /bin/sh} process in a session of its own, started on the first spawn
         * that asks for one and shared by all, which sees this JVM's end as end of file on a pipe
         * only the JVM holds and then kills the registered trees (cgroup.kill, or freezer and
         * SIGKILL on cgroup v1, then SIGKILL to the process group), within milliseconds, and
         * removes their cgroups. Without a cgroup, a grandchild that left the process group
         * (setsid) escapes. A tree is dropped from the watcher once the child is reaped and its
         * group and cgroups are gone. Nothing of this exists until a child asks for it.
         *
         * @return this builder
         */
        public Builder dieWithParent() {
            process.dieWithParent();
            return this;
        }

        /**
         * Adds namespaces the child gets new ones of at clone time. With {@link Namespace#USER} the
         * child is root inside, and without privilege the others need it too. Its id maps are
         * {@link #uidMap} and {@link #gidMap}, by default this process's ids mapped to 0. In a new
         * {@link Namespace#MOUNT} namespace every mount is made private first
         * ({@link #mountPropagation}).
         *
         * @param namespaces the namespaces; none may be null
         * @return this builder
         */
        public Builder namespaces(Namespace... namespaces) {
            process.namespaces(namespaces);
            return this;
        }

        /**
         * How the mounts of the child's new mount namespace propagate ({@link Namespace#MOUNT}
         * only): {@link MountPropagation#PRIVATE} unless set, so that nothing the child mounts
         * reaches this process's namespace through a shared mount. The child applies it to every
         * mount before any other set-up step (step {@code mount propagation}).
         *
         * @param propagation the propagation; not null
         * @return this builder
         */
        public Builder mountPropagation(MountPropagation propagation) {
            process.mountPropagation(propagation);
            return this;
        }

        /**
         * The uid_map of the child's new user namespace: lines of {@code INSIDE OUTSIDE COUNT},
         * such as {@code "0 100000 65536"}. Anything but this process's own uid needs privilege.
         *
         * @param map the map's lines, separated by newlines
         * @return this builder
         */
        public Builder uidMap(String map) {
            process.uidMap(map);
            return this;
        }

        /**
         * The gid_map of the child's new user namespace, as {@link #uidMap}.
         *
         * @param map the map's lines, separated by newlines
         * @return this builder
         */
        public Builder gidMap(String map) {
            process.gidMap(map);
            return this;
        }

        /**
         * Confines the child with a {@link Sandbox} (Landlock and seccomp), prepared once when the
         * command is built and applied in each child just before exec. Replaces an earlier one.
         *
         * @param sandbox the sandbox; not null
         * @return this builder
         */
        public Builder sandbox(Sandbox sandbox) {
            this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
            return this;
        }

        /**
         * Finds and pins the executable, opens and configures a builder, and returns the command.
         *
         * @throws ConfigException for a program not found or not executable (ENOENT, EACCES), a
         *     missing working directory, a closed fd, a limit only privilege may raise, a sandbox rule refused: the message
         *     names the method and its value, as {@code Command.Builder.cwd("/nope"): no such file
         *     or directory (ENOENT)}, and {@link ConfigException#key()} the builder key
         * @throws ErrnoException if the builder could not be opened or a fd could not be copied
         * @return the command, which holds a builder fd until {@link Command#close()}
         */
        public Command build() throws ErrnoException {
            Map<String, String> env = environment();
            Path program;
            try {
                program = programDir() != null ? programDir().resolve(name) : Path.of(PathSearch.resolve(name, env));
            } catch (ConfigException e) {
                throw e.restate(setting(e));
            }
            int b = PidfdSpawn.pidfd_spawn_open(PidfdSpawn.PIDFD_SPAWN_CLOEXEC);
            int[] held = {-1, -1, -1};
            try {
                try {
                    configure(b, program);
                } catch (ConfigException e) {
                    throw e.restate(setting(e));
                }
                int lowestSource = Math.max(3, extraFds.isEmpty() ? 0 : extraFds.lastKey() + 1);
                List<SpawnAction> fileActions = new ArrayList<>();
                for (Map.Entry<Integer, Stdio> e : extraFds.entrySet()) {
                    SpawnAction open = Launch.openAction(e.getKey(), e.getValue());
                    if (open != null) {
                        fileActions.add(open);
                    }
                }
                for (int fd = 0; fd <= 2; fd++) {
                    if (stdio[fd] instanceof Stdio.Fd(int parentFd)) {
                        held[fd] = Libc.fcntl(parentFd, Libc.F_DUPFD_CLOEXEC, lowestSource);
                        LongLivedFds.markInternal(held[fd]); // the library's copy: no caller's file action may name it
                        if (held[fd] < 0) {
                            throw new ErrnoException("fcntl", -held[fd], "F_DUPFD_CLOEXEC of fd " + parentFd + " for child fd " + fd);
                        }
                    }
                }
                Command c = new Command(this, program, env, b, held, fileActions, lowestSource);
                b = -1; // the command owns it, and the held fds, now
                return c;
            } finally {
                if (b >= 0) {
                    PidfdSpawn.close(b);
                    for (int h : held) {
                        LongLivedFds.closeInternal(h);
                    }
                }
            }
        }

        /**
         * The call on this builder that set what the builder key refused, as the caller wrote it:
         * {@code Command.Builder.cwd("/nope")}.
         */
        private String setting(ConfigException e) {
            String key = e.key();
            String v = e.value();
            String q = v == null ? "" : ConfigException.quote(v);
            String call = switch (key) {
                case PidfdSpawn.KEY_EXECUTABLE, PidfdSpawn.KEY_SEARCH -> null;
                case PidfdSpawn.KEY_ARGV -> "args(...)";
                case PidfdSpawn.KEY_ENV -> {
                    int eq = v == null ? -1 : v.indexOf('=');
                    yield eq < 0 ? "env(" + q + ")" : "env(" + ConfigException.quote(v.substring(0, eq)) + ", "
                            + ConfigException.quote(v.substring(eq + 1)) + ")";
                }
                case PidfdSpawn.KEY_ENV_UNSET -> "unsetEnv(" + q + ")";
                case PidfdSpawn.KEY_ENV_CLEAR -> "clearEnv()";
                case PidfdSpawn.KEY_CWD -> "cwd(" + q + ")";
                case PidfdSpawn.KEY_INHERIT_FDS -> "inheritFds()";
                default -> key.startsWith(PidfdSpawn.KEY_FD_PREFIX) ? fdSetting(key.substring(PidfdSpawn.KEY_FD_PREFIX.length()))
                        : process.setting(key, v);
            };
            if (call != null) {
                return "Command.Builder." + call;
            }
            String given = "Command.builder(" + ConfigException.quote(name) + ")";
            if (v != null && (v.equals(name) || v.equals(pinName())) && key.equals(PidfdSpawn.KEY_EXECUTABLE)) {
                // a relative path, configured as given: name the file too
                v = (programDir() != null ? programDir().resolve(name) : Path.of(name).toAbsolutePath()).normalize().toString();
            }
            return v == null || v.equals(name) ? given : given + " (" + v + ")";
        }

        private String fdSetting(String childFd) {
            try {
                int fd = Integer.parseInt(childFd);
                Stdio s = fd <= 2 ? stdio[fd] : extraFds.get(fd);
                return "fd(" + fd + ", " + (s instanceof Stdio.Fd(int parentFd) ? Integer.toString(parentFd) : String.valueOf(s)) + ")";
            } catch (NumberFormatException e) {
                return "fd(" + childFd + ", ...)";
            }
        }

        private void configure(int b, Path program) throws ErrnoException {
            configureExecutable(b, name, pinName(), program, programDir());
            PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_BINARY, PidfdSpawn.KEY_ARGV, nulList(argv()), 0);
            for (String[] op : envOps) {
                switch (op.length) {
                    case 0 -> PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_FLAG, PidfdSpawn.KEY_ENV_CLEAR, (String) null, 0);
                    default -> {
                        if (op[1] == null) {
                            PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_ENV_UNSET, op[0], 0);
                        } else {
                            PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_ENV, op[0] + "=" + op[1], 0);
                        }
                    }
                }
            }
            if (cwd != null) {
                PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_CWD, cwd.toString(), 0);
                if (pwdFollowsCwd()) {
                    PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_ENV, "PWD=" + pwdOf(cwd), 0);
                }
            }
            if (inheritFds) {
                PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_FLAG, PidfdSpawn.KEY_INHERIT_FDS, (String) null, 0);
            }
            for (Map.Entry<Integer, Stdio> e : extraFds.entrySet()) {
                mapExtraFd(b, e.getKey(), e.getValue());
            }
            process.configure(b);
            if (sandbox != null) {
                sandbox.configure(b);
            }
        }

        /** Fds above 2 given by fd (or /dev/null) belong to the template: the builder holds its own copy. */
        private static void mapExtraFd(int b, int childFd, Stdio s) throws ErrnoException {
            String key = PidfdSpawn.KEY_FD_PREFIX + childFd;
            switch (s) {
                case Stdio.Fd(int parentFd) -> PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_FD, key, (String) null, parentFd);
                case Stdio.Inherit _ -> PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_FD, key, (String) null, childFd);
                case Stdio.Discard _ -> {
                    int devNull = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
                    if (devNull < 0) {
                        throw new ErrnoException("open", -devNull, "/dev/null for child fd " + childFd);
                    }
                    try {
                        PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_FD, key, (String) null, devNull);
                    } finally {
                        Libc.close(devNull);
                    }
                }
                default -> { } // files: opened by the child at each spawn (Launch.openAction)
            }
        }

        private List<String> argv() {
            List<String> v = new ArrayList<>(args.size() + 1);
            v.add(arg0 != null ? arg0 : name);
            v.addAll(args);
            return List.copyOf(v);
        }

        /** The child's environment as the builder will compute it: this process's, then the changes in order. */
        private Map<String, String> environment() {
            Map<String, String> env = new LinkedHashMap<>(System.getenv());
            for (String[] op : envOps) {
                if (op.length == 0) {
                    env.clear();
                } else if (op[1] == null) {
                    env.remove(op[0]);
                } else {
                    env.put(op[0], op[1]);
                }
            }
            if (cwd != null && pwdFollowsCwd()) {
                env.put("PWD", pwdOf(cwd));
            }
            return Collections.unmodifiableMap(env);
        }

        /** Whether the environment is inherited (never cleared) and the caller left PWD alone. */
        private boolean pwdFollowsCwd() {
            for (String[] op : envOps) {
                if (op.length == 0 || op[0].equals("PWD")) {
                    return false;
                }
            }
            return true;
        }

        private static byte[] nulList(List<String> items) {
            StringBuilder s = new StringBuilder();
            for (String i : items) {
                s.append(i).append('\0');
            }
            return s.toString().getBytes(StandardCharsets.UTF_8);
        }
    }
}
