package io.pidspawn.cli;

import static io.pidspawn.uapi.PidfdSpawn.*;

import io.pidspawn.ConfigException;
import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.KillScope;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.spawn.OwnerWatch;
import io.pidspawn.uapi.ChildCgroup;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pidspawn run}: spawn one program through the builder UAPI and exit with its status. */
@Command(name = "run", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Run PROG with ARGS through a pidfd_spawn builder, passing stdio through, and exit with its status.",
                "Every builder key is an option named after it."},
        footer = {"", "Exit status: the program's own; 128+N if signal N killed it; 124 if --timeout expired,",
                "but 137 if SIGKILL reached the program (--signal KILL, --kill-after, --kill-grace), as timeout(1) does;",
                "127 if PROG was not found; 126 if it could not be executed; 125 if pidspawn itself failed",
                "(the error is on stderr, naming the step and errno).",
                "SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to pidspawn go to PROG (and to its process group",
                "with --timeout or --pgid 0), as timeout(1) passes them on.",
                "", "Examples:",
                "  pidspawn run -- ls -l /",
                "  pidspawn run --cwd /tmp --env LANG=C -- sh -c 'pwd; echo $LANG'",
                "  pidspawn run --clear-env --env PATH=/usr/bin --search -- env",
                "  pidspawn run --fd 3=/tmp/log:a --fd '4=&1' -- sh -c 'echo a >&3; echo b >&4'",
                "  pidspawn run --timeout 2s --kill-after 1s --json -- sleep 10",
                "  pidspawn run --timeout 10m --kill-grace 5s -- make -j8",
                "  pidspawn run --json --json-file /tmp/result.json -- echo hi",
                "  pidspawn run --setsid --rlimit NOFILE=256 --umask 077 --no-new-privs -- id",
                "  pidspawn run --ro / --rw \"$PWD\" --net none --scope signal -- make test",
                "  pidspawn run --pty -- python3",
                "  echo 'print(6*7)' | pidspawn run --pty-size 120x40 -- python3 -i",
                "  sudo pidspawn run --unshare user,pid,mount --uid 0 -- sh -c 'echo $$$$'"})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--cwd", paramLabel = "DIR", description = {"Working directory of the program.",
            "Also its PWD, unless --env, --unset or --clear-env decide PWD."})
    Path cwd;

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "Set an environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--unset", paramLabel = "NAME", description = "Remove an environment variable (repeatable).")
    List<String> unset = new ArrayList<>();

    @Option(names = "--clear-env", description = "Start from an empty environment instead of pidspawn's own.")
    boolean clearEnv;

    @Option(names = "--search", description = "Find PROG in the child's PATH (after --env/--clear-env) instead of pidspawn's.")
    boolean search;

    @Option(names = "--fd", paramLabel = "N=PATH[:MODE]|N=&M", description = {
            "Give the child fd N: a file opened with MODE r (default), w (truncate), a (append) or rw,",
            "or a copy of pidspawn's own fd M (repeatable)."})
    List<String> fds = new ArrayList<>();

    @Option(names = "--inherit-fds", description = {"Pass the child every fd pidspawn was started with (its caller's,",
            "without close-on-exec), as timeout(1) and env(1) do; never the JVM's own."})
    boolean inheritFds;

    @Option(names = "--setsid", description = "Start a new session.")
    boolean setsid;

    @Option(names = "--pgid", paramLabel = "N", description = "Join process group N; 0 makes a new group.")
    Integer pgid;

    @Option(names = "--ctty", description = "Make stdin, a terminal, the controlling terminal (implies --setsid).")
    boolean ctty;

    @Option(names = "--pty", description = {"Run the program on a new pseudo-terminal, relayed to pidspawn's stdin and stdout",
            "(the program sees a terminal even when they are pipes). A terminal on stdin is in raw mode",
            "meanwhile, so that Ctrl-C and Ctrl-Z reach the program through its own, and its modes are put",
            "back on every way out; the pty follows its window size. A stdin that is not a terminal ends",
            "as the user's Ctrl-D. Implies --setsid, the pty being the controlling terminal."})
    boolean pty;

    @Option(names = "--pty-size", paramLabel = "COLSxROWS", description = {"The pseudo-terminal's size, such as 120x40 (implies --pty);",
            "without it, that of the caller's terminal, kept as it is resized, or 80x24."})
    String ptySize;

    @Option(names = "--sigmask", paramLabel = "SIG,...", description = "Signals the program starts with blocked.")
    String sigmask;

    @Option(names = "--sigdefault", paramLabel = "SIG,...", description = "Signals reset to their default action.")
    String sigdefault;

    @Option(names = "--rlimit", paramLabel = "NAME=SOFT[:HARD]", description = {"A resource limit, such as NOFILE=1024 (repeatable).",
            "NAME=SOFT sets the hard limit to SOFT too, as ulimit does; NAME=SOFT:HARD sets both."})
    List<String> rlimits = new ArrayList<>();

    @Option(names = "--memory-max", paramLabel = "SIZE", description = {"Limit the program and everything it starts to SIZE bytes of memory",
            "(such as 512M or 2G), in a cgroup of its own; over it, the kernel's OOM killer ends it."})
    String memoryMax;

    @Option(names = "--pids-max", paramLabel = "N", description = "Let the program's cgroup hold at most N tasks (processes and threads).")
    String pidsMax;

    @Option(names = "--cpu-max", paramLabel = "CPUS", description = "Let the program's cgroup use at most CPUS CPUs' time (such as 0.5).")
    String cpuMax;

    @Option(names = "--umask", paramLabel = "OOO", description = "The file mode creation mask, in octal.")
    String umask;

    @Option(names = "--uid", paramLabel = "UID", description = "Run as this user id.")
    Integer uid;

    @Option(names = "--gid", paramLabel = "GID", description = "Run with this group id.")
    Integer gid;

    @Option(names = "--groups", paramLabel = "GID,...", description = "Supplementary groups (empty: none).")
    String groups;

    @Option(names = "--groups-on-id-change", paramLabel = "drop|initgroups|keep", description = {
            "Supplementary groups with --uid/--gid and no --groups: none (drop, the default),",
            "the user's own from /etc/group (initgroups), or pidspawn's (keep)."})
    String groupsOnIdChange;

    @Option(names = "--mount-propagation", paramLabel = "private|slave|shared|unchanged", description =
            "With --unshare mount: how its mounts propagate (default: private).")
    String mountPropagation;

    @Option(names = "--cgroup", paramLabel = "PATH", description = "Start in this cgroup v2 (as /proc/self/cgroup names it, or a directory).")
    String cgroup;

    @Option(names = "--unshare", paramLabel = "NS,...", description = "New namespaces: user, pid, mount, uts, ipc, net, cgroup.")
    String unshare;

    @Option(names = "--pdeathsig", paramLabel = "SIG", description = "Signal the program gets when pidspawn dies.")
    String pdeathsig;

    @Option(names = "--die-with-parent", description = {"Kill PROG and everything it starts when pidspawn ends, even by SIGKILL:",
            "PROG gets SIGKILL as its parent-death signal, a process group and a cgroup of its own where one can be made,",
            "and a watcher process kills the tree once pidspawn is gone."})
    boolean dieWithParent;

    @Option(names = "--no-new-privs", description = "Set no_new_privs: exec can never grant privileges.")
    boolean noNewPrivs;

    @picocli.CommandLine.Mixin
    SandboxOptions sandbox = new SandboxOptions();

    @Option(names = "--timeout", paramLabel = "DURATION", description = {"Send --signal after DURATION (e.g. 10s, 500ms, 2m) to the program and everything",
            "it started, and exit 124: to its own cgroup where pidspawn can create one (daemons that",
            "called setsid are in it), else to its process group (it leads one, as under timeout(1))."})
    String timeout;

    @Option(names = "--kill-after", paramLabel = "DURATION", description = {"With --timeout: send SIGKILL to the tree if the program itself still runs",
            "this long after the first signal, as timeout(1) does."})
    String killAfter;

    @Option(names = "--kill-grace", paramLabel = "DURATION", description = {"With --timeout: as --kill-after, and SIGKILL whatever of the tree still runs",
            "then, even if the program itself ended on the first signal; pidspawn exits once the tree is gone."})
    String killGrace;

    @Option(names = "--signal", paramLabel = "SIG", defaultValue = "TERM", description = "The signal --timeout sends (default: ${DEFAULT-VALUE}).")
    String timeoutSignal;

    @Option(names = "--json", description = {"Print a JSON result (pid, status, timings, resource usage) to stderr.",
            "wall_ms is the child's lifetime from the spawn call to its reaping; spawn_us is the spawn call alone;",
            "cpu_user_ms and cpu_sys_ms are its CPU time (its waited-for children's included); with --memory-max",
            "and the like, memory_peak_bytes is its cgroup's peak and oom_killed whether the OOM killer fired;",
            "kill_scope says how far --timeout reached: cgroup, process-group or child (null without a timeout)."})
    boolean json;

    @Option(names = "--json-file", paramLabel = "FILE", description = "Write the --json result to FILE instead (implies --json).")
    Path jsonFile;

    @Parameters(arity = "1..*", paramLabel = "PROG ARGS", description = "The program and its arguments.")
    List<String> command;

    private final List<Integer> openedFds = new ArrayList<>();

    private PtyRelay relay; // --pty's terminal and its copying, or null

    /** Set when PROG had no {@code #!} and no binary format: /bin/sh runs it, as execvp does. */
    private boolean viaShell;

    @Override
    public Integer call() {
        long started = System.nanoTime();
        int builder = -1;
        try {
            Duration limit = timeout == null ? null : Durations.parse("--timeout", timeout);
            if (limit != null && limit.isZero()) {
                limit = null; // as timeout(1): a duration of 0 disables the timeout
            }
            if (killAfter != null && timeout == null) {
                throw new IllegalArgumentException("--kill-after " + killAfter + ": needs --timeout");
            }
            if (killGrace != null && (timeout == null || killAfter != null)) {
                throw new IllegalArgumentException("--kill-grace " + killGrace + ": "
                        + (timeout == null ? "needs --timeout" : "--kill-after " + killAfter + " and it exclude each other"));
            }
            Duration grace = killAfter != null ? Durations.parse("--kill-after", killAfter)
                    : killGrace != null ? Durations.parse("--kill-grace", killGrace) : null;
            if (command.get(0).isEmpty()) {
                System.err.println("pidspawn: '': No such file or directory"); // as env(1) and execvp say it
                return 127;
            }
            int sig = signal("--signal", timeoutSignal);
            if (pty || ptySize != null) {
                checkPtyOptions();
                relay = PtyRelay.open(ptySize, command.get(0));
            }
            builder = PidfdSpawn.pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
            configure(builder);
            SignalForwarder forwarder = new SignalForwarder();
            OwnerWatch owner = dieWithParent ? OwnerWatch.get() : null; // running before the child is
            // A cgroup of its own, where one can be made, unless the options chose one: with a timeout,
            // it is what reaches setsid daemons too.
            RunArgs runArgs = (owner != null || limit != null) && cgroup == null ? RunArgs.none().withOwnCgroup() : RunArgs.none();
            long beforeSpawn = System.nanoTime();
            started = beforeSpawn;
            // The tree's cgroups are watched from when the builder makes them, before the child exists.
            OwnerWatch.Tree tree = owner == null ? null : owner.begin();
            Spawned child = null;
            try {
                child = PidfdSpawn.pidfd_spawn_run(builder, runArgs);
            } catch (SpawnException e) {
                if (e.step() != SpawnStep.EXEC || e.errno() != Errno.ENOEXEC || !command.get(0).contains("/") || viaShell) {
                    throw e;
                }
                // execvp's rule, which env(1) and timeout(1) follow: a file the kernel cannot exec is a shell script
                PidfdSpawn.close(builder);
                builder = -1;
                closeOpened();
                viaShell = true;
                builder = PidfdSpawn.pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
                configure(builder);
                child = PidfdSpawn.pidfd_spawn_run(builder, runArgs);
            } finally {
                if (tree != null && child == null) { // no child: its cgroups are dropped once the builder removed them
                    owner.failed(tree);
                }
            }
            long spawnNanos = System.nanoTime() - beforeSpawn;
            PidfdSpawn.close(builder);
            builder = -1;
            closeOpened();
            if (owner != null) {
                owner.started(tree, setsid || pgid == null || pgid == 0 ? child.pid() : 0, () -> false);
            }
            if (relay != null) {
                relay.started();
            }
            forwarder.childStarted(child.pidfd(), child.pid(),
                    pgid != null ? pgid == 0 : (timeout != null || dieWithParent) && !setsid && relay == null);
            Waited w = waitFor(child, limit, grace, killGrace != null, sig, new RunTree(child, pgid == null || pgid == 0));
            forwarder.childReaped();
            if (relay != null) {
                relay.finish(); // what the program wrote before it exited is all copied before its status
            }
            w = w.withCgroup(child.cgroup());
            PidfdSpawn.close(child.pidfd());
            long lifetime = System.nanoTime() - started;
            // timeout(1) exits 124 on expiry, but the SIGKILL it sends its process group kills it too: 137
            int code = w.timedOut ? (w.killed ? 137 : 124) : w.status.shellCode();
            return report(child.pid(), w, spawnNanos, lifetime, code, null) ? code : 125;
        } catch (ErrnoException e) {
            System.err.println("pidspawn: " + e.getMessage());
            int code = exitCodeFor(e);
            return report(-1, null, 0, 0, code, e.getMessage()) ? code : 125;
        } catch (IllegalArgumentException e) {
            System.err.println("pidspawn: " + e.getMessage());
            return 125;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 125;
        } finally {
            if (relay != null) {
                relay.close(); // the caller's terminal as it was, on every way out
            }
            closeOpened();
            if (builder >= 0) {
                try {
                    PidfdSpawn.close(builder);
                } catch (ErrnoException ignored) {
                    // exiting anyway
                }
            }
        }
    }

    /** --pty makes the program's stdio and session: options that would choose them too are refused. */
    private void checkPtyOptions() {
        String with = "--pty" + (ptySize != null ? "-size " + ptySize : "");
        if (ctty || pgid != null) {
            throw new IllegalArgumentException((ctty ? "--ctty" : "--pgid " + pgid) + " and " + with
                    + " exclude each other: the program leads a session of its own, on its pty");
        }
        for (String f : fds) {
            if (f.matches("[012]=.*")) {
                throw new IllegalArgumentException("--fd " + f + " and " + with + " exclude each other: the pty is stdin, stdout and stderr");
            }
        }
    }

    /** Configures the builder; a refused setting is told as the option that gave it ({@code --env NOEQUALS}). */
    private void configure(int b) throws ErrnoException {
        try {
            configureKeys(b);
        } catch (ConfigException e) {
            throw e.restate(option(e));
        }
    }

    /** The option, with its value as given, that set what builder key {@code e.key()} refused. */
    private String option(ConfigException e) {
        String key = e.key();
        String v = e.value() == null ? "" : e.value();
        if (key.startsWith(KEY_FD_PREFIX)) {
            String n = key.substring(KEY_FD_PREFIX.length());
            return "--fd " + fds.stream().filter(f -> f.startsWith(n + "=")).findFirst().orElse(n);
        }
        if (key.startsWith("rlimit.")) {
            String name = key.substring("rlimit.".length());
            return "--rlimit " + rlimits.stream().filter(r -> r.startsWith(name + "=")).findFirst().orElse(name + "=" + v);
        }
        return switch (key) {
            case KEY_EXECUTABLE, KEY_SEARCH, KEY_SEARCH_PATH -> command.get(0);
            case KEY_ARGV -> "PROG ARGS";
            case KEY_ENV -> "--env " + v;
            case KEY_ENV_UNSET -> "--unset " + v;
            case KEY_ENV_CLEAR -> "--clear-env";
            case KEY_CWD -> "--cwd " + cwd;
            case KEY_INHERIT_FDS -> "--inherit-fds";
            case "namespaces" -> "--unshare " + v;
            case "ctty" -> "--ctty";
            case "setsid", "no-new-privs" -> "--" + key;
            case "memory.max" -> "--memory-max " + v;
            case "pids.max" -> "--pids-max " + v;
            case "cpu.max" -> "--cpu-max " + v;
            case "landlock.ro", "landlock.rw", "landlock.exec" -> "--" + key.substring("landlock.".length()) + " " + v;
            case "landlock.net.connect", "landlock.net.bind" -> "--net " + sandbox.net;
            case "landlock.scope" -> "--scope " + sandbox.scope;
            case "seccomp.deny" -> "--deny-syscall " + v;
            default -> "--" + key + (v.isEmpty() ? "" : " " + v);
        };
    }

    private void configureKeys(int b) throws ErrnoException {
        if (clearEnv) {
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_FLAG, KEY_ENV_CLEAR, (String) null, 0);
        }
        for (String e : env) {
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, e, 0);
        }
        for (String name : unset) {
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV_UNSET, name, 0);
        }
        String prog = command.get(0);
        List<String> argv = command;
        if (viaShell) {
            argv = new ArrayList<>(command);
            argv.add(0, "sh");
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_EXECUTABLE, "/bin/sh", AT_FDCWD);
        } else if (prog.contains("/")) {
            // A relative PROG is found in --cwd, as env -C finds it: the directory changes before exec.
            String path = cwd != null && !prog.startsWith("/") ? cwd.resolve(prog).toString() : prog;
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_EXECUTABLE, path, AT_FDCWD);
        } else if (search) {
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_SEARCH, prog, 0);
        } else {
            // Like a shell: PROG is looked up in pidspawn's own PATH.
            String path = System.getenv("PATH");
            if (path != null) {
                PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_SEARCH_PATH, path, 0);
            }
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_SEARCH, prog, 0);
        }
        PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, nulList(argv), 0);
        if (cwd != null) {
            String dir = cwd.toAbsolutePath().normalize().toString();
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, dir, 0);
            // As the library's Command does: PWD names the new directory unless the environment was chosen.
            if (!clearEnv && !unset.contains("PWD") && env.stream().noneMatch(e -> e.startsWith("PWD="))) {
                PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, "PWD=" + dir, 0);
            }
        }
        for (String spec : fds) {
            mapFd(b, spec);
        }
        inheritCallerFds(b);
        flag(b, "setsid", setsid);
        flag(b, "no-new-privs", noNewPrivs);
        // With --timeout the child leads a process group of its own, as timeout(1) makes one, so that
        // the timeout's signals end everything it started but what left the group (setsid).
        string(b, "pgid", pgid != null ? pgid.toString()
                : (timeout != null || dieWithParent) && !setsid && relay == null ? "0" : null); // a pty child leads a session
        if (ctty) {
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_FD, "ctty", (String) null, 0);
        }
        if (relay != null) {
            relay.configure(b);
        }
        string(b, "memory.max", memoryMax);
        string(b, "pids.max", pidsMax);
        string(b, "cpu.max", cpuMax);
        string(b, "sigmask", sigmask);
        string(b, "sigdefault", sigdefault);
        for (String r : rlimits) {
            int eq = r.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--rlimit " + r + ": expected NAME=SOFT[:HARD]");
            }
            String limits = r.substring(eq + 1);
            if (!limits.contains(":")) {
                limits = limits + ":" + limits; // as ulimit: one value is both limits
            }
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, "rlimit." + r.substring(0, eq), limits, 0);
        }
        string(b, "umask", umask);
        string(b, "namespaces", unshare); // before the ids: inside a new user namespace they need no privilege
        string(b, "mount-propagation", mountPropagation);
        string(b, "groups", groups);
        string(b, "gid", gid == null ? null : gid.toString());
        string(b, "uid", uid == null ? null : uid.toString());
        string(b, "groups-on-id-change", groupsOnIdChange); // after uid: initgroups takes its groups
        if (cgroup != null) {
            // A directory on the cgroup2 mount is a path; anything else names a cgroup as /proc/self/cgroup does.
            java.nio.file.Path mount = io.pidspawn.internal.spawn.Cgroups.mountPoint();
            boolean directory = mount != null && Path.of(cgroup).toAbsolutePath().startsWith(mount);
            PidfdSpawn.pidfd_config(b, directory ? PIDFD_CONFIG_SET_PATH : PIDFD_CONFIG_SET_STRING, "cgroup", cgroup,
                    directory ? AT_FDCWD : 0);
        }
        string(b, "pdeathsig", pdeathsig == null && dieWithParent ? "KILL" : pdeathsig);
        io.pidspawn.Sandbox s = sandbox.sandbox();
        if (s != null) {
            s.configure(b);
        }
    }

    /**
     * --inherit-fds: bin/pidspawn lists the fds its caller gave it (pidspawn.cli.callerFds); each
     * one above 2 that no --fd names is passed on under its own number. Without that list (Main run
     * by hand), every fd without close-on-exec is kept, the JVM's own included.
     */
    private void inheritCallerFds(int b) throws ErrnoException {
        if (!inheritFds) {
            return;
        }
        String listed = System.getProperty("pidspawn.cli.callerFds");
        if (listed == null) {
            flag(b, KEY_INHERIT_FDS, true);
            return;
        }
        for (String n : listed.split(",")) {
            if (!n.isEmpty() && Integer.parseInt(n) > 2 && fds.stream().noneMatch(f -> f.startsWith(n + "="))) {
                mapFd(b, n + "=&" + n);
            }
        }
    }

    private void mapFd(int b, String spec) throws ErrnoException {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--fd " + spec + ": expected N=PATH[:MODE] or N=&M");
        }
        String target = spec.substring(0, eq);
        String source = spec.substring(eq + 1);
        int fd;
        if (source.startsWith("&")) {
            try {
                fd = Integer.parseInt(source.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--fd " + spec + ": \"" + source.substring(1) + "\" is not a fd number");
            }
        } else {
            int colon = source.lastIndexOf(':');
            String mode = colon > 0 ? source.substring(colon + 1) : "r";
            String path = colon > 0 ? source.substring(0, colon) : source;
            int flags = switch (mode) {
                case "r" -> Libc.O_RDONLY;
                case "w" -> Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC;
                case "a" -> Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND;
                case "rw" -> Libc.O_RDWR | Libc.O_CREAT;
                default -> throw new IllegalArgumentException("--fd " + spec + ": mode \"" + mode + "\" is not r, w, a or rw");
            };
            fd = Libc.openat(Libc.AT_FDCWD, path, flags | Libc.O_CLOEXEC, 0666);
            if (fd < 0) {
                throw new ErrnoException("open", -fd, path + " (for --fd " + target + ")");
            }
            openedFds.add(fd);
        }
        PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_FD_PREFIX + target, (String) null, fd);
    }

    private void closeOpened() {
        for (int fd : openedFds) {
            Libc.close(fd);
        }
        openedFds.clear();
    }

    private static void flag(int b, String key, boolean on) throws ErrnoException {
        if (on) {
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_FLAG, key, (String) null, 0);
        }
    }

    private static void string(int b, String key, String value) throws ErrnoException {
        if (value != null) {
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, key, value, 0);
        }
    }

    private static int signal(String option, String name) {
        try {
            return io.pidspawn.Signals.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }

    /** How the wait ended, with the child's resource usage. */
    private record Waited(ExitStatus status, boolean timedOut, boolean killed, KillScope killScope, long userMicros,
                          long systemMicros, Long memoryPeakBytes, boolean oomKilled) {
        /** With what the child's own cgroup (--memory-max and the like) measured; the cgroup is then removed. */
        Waited withCgroup(ChildCgroup cgroup) {
            if (cgroup == null) {
                return this;
            }
            long peak = cgroup.memoryPeakBytes();
            boolean oom = cgroup.oomKilled();
            try {
                cgroup.remove(); // false while what the program left behind still runs in it
            } catch (ErrnoException e) {
                System.err.println("pidspawn: removing the program's cgroup: " + e.getMessage());
            }
            return new Waited(status, timedOut, killed, killScope, userMicros, systemMicros, peak >= 0 ? peak : null, oom);
        }
    }

    /**
     * Waits, enforcing --timeout as timeout(1) does, and reaps with the kernel's rusage; with
     * {@code wholeTree} (--kill-grace), then waits for the rest of the tree until the grace's end
     * and SIGKILLs what is left.
     */
    private static Waited waitFor(Spawned child, Duration limit, Duration grace, boolean wholeTree, int sig, RunTree tree)
            throws ErrnoException {
        boolean timedOut = false;
        boolean killed = false;
        long graceEnd = 0;
        if (limit != null && !PidfdSpawn.pidfd_poll(child.pidfd(), millis(limit))) {
            timedOut = true;
            tree.signal(sig);
            graceEnd = System.nanoTime() + (grace == null ? 0 : grace.toNanos());
            if (grace != null && !PidfdSpawn.pidfd_poll(child.pidfd(), millis(grace))) {
                tree.signal(9);
                killed = true;
            }
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(128, 8);
            MemorySegment usage = a.allocate(144, 8);
            int r;
            while ((r = Libc.waitidRusage(Libc.P_PIDFD, child.pidfd(), info, Libc.WEXITED, usage)) == -Errno.EINTR) {
                // retry
            }
            if (r < 0) {
                throw new ErrnoException("waitid", -r, "pidfd " + child.pidfd());
            }
            int code = info.get(ValueLayout.JAVA_INT, 8);
            int value = info.get(ValueLayout.JAVA_INT, 24);
            ExitStatus status = code == Libc.CLD_EXITED ? ExitStatus.exited(value & 0xff)
                    : ExitStatus.killed(value, code == Libc.CLD_DUMPED);
            long user = usage.get(ValueLayout.JAVA_LONG, 0) * 1_000_000 + usage.get(ValueLayout.JAVA_LONG, 8);
            long system = usage.get(ValueLayout.JAVA_LONG, 16) * 1_000_000 + usage.get(ValueLayout.JAVA_LONG, 24);
            tree.reaped();
            boolean treeKilled = timedOut && (killed || sig == 9);
            if (wholeTree && timedOut && !treeKilled && !tree.awaitGone(graceEnd)) {
                tree.signal(9); // what the program left running past the grace
                treeKilled = true;
            }
            if (treeKilled) {
                tree.awaitGone(System.nanoTime() + 1_000_000_000L); // SIGKILL takes a moment; then its cgroup can go
            }
            return new Waited(status, timedOut, killed || (timedOut && sig == 9), timedOut ? tree.scope() : null, user, system,
                    null, false);
        }
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, d.toMillis()));
    }

    /** Prints the --json result; false if its file could not be written (said on stderr). */
    private boolean report(int pid, Waited w, long spawnNanos, long wallNanos, int exitCode, String error) {
        if (!json && jsonFile == null) {
            return true;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("argv", command);
        r.put("pid", pid > 0 ? pid : null);
        r.put("exit", w != null && w.status.exited() ? w.status.code() : null);
        r.put("signal", w != null && !w.status.exited() ? io.pidspawn.Signals.name(w.status.signal()) : null);
        r.put("core_dumped", w != null && w.status.coreDumped());
        r.put("timed_out", w != null && w.timedOut);
        r.put("exit_code", exitCode);
        r.put("spawn_us", spawnNanos / 1000);
        r.put("wall_ms", wallNanos / 1_000_000.0);
        r.put("cpu_user_ms", w == null ? null : w.userMicros / 1000.0);
        r.put("cpu_sys_ms", w == null ? null : w.systemMicros / 1000.0);
        if (w != null && w.memoryPeakBytes != null) {
            r.put("memory_peak_bytes", w.memoryPeakBytes);
        }
        r.put("oom_killed", w != null && w.oomKilled);
        r.put("kill_scope", w == null || w.killScope == null ? null : RunTree.name(w.killScope));
        // No max RSS: a CLONE_VM child's ru_maxrss includes the whole JVM's, which it shared until exec.
        r.put("error", error);
        String line = Json.write(r);
        if (jsonFile == null) {
            System.err.println(line);
            return true;
        }
        try {
            Files.writeString(jsonFile, line + "\n", StandardCharsets.UTF_8);
            return true;
        } catch (IOException e) {
            System.err.println("pidspawn: --json-file " + jsonFile + ": " + reason(e));
            return false;
        }
    }

    /** The strerror-like reason of a failed file write, as coreutils prints it. */
    static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException x -> "No such file or directory";
            case java.nio.file.AccessDeniedException x -> "Permission denied";
            case java.nio.file.FileSystemException x when x.getReason() != null -> x.getReason();
            default -> String.valueOf(e.getMessage());
        };
    }

    /** coreutils env/timeout conventions: 127 not found, 126 cannot execute, 125 our own failure. */
    static int exitCodeFor(ErrnoException e) {
        boolean aboutExecutable = e instanceof SpawnException se
                ? se.step() == SpawnStep.EXEC
                : e instanceof ConfigException ce && (ce.key().equals(KEY_EXECUTABLE) || ce.key().equals(KEY_SEARCH));
        if (!aboutExecutable) {
            return 125;
        }
        return switch (e.errno()) {
            case Errno.ENOENT, Errno.ENOTDIR, Errno.ELOOP, Errno.ENAMETOOLONG -> 127;
            case Errno.EACCES, Errno.ENOEXEC, Errno.EPERM, Errno.EISDIR, Errno.ETXTBSY -> 126;
            default -> 125;
        };
    }

    private static byte[] nulList(List<String> items) {
        StringBuilder b = new StringBuilder();
        for (String s : items) {
            b.append(s).append('\0');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
