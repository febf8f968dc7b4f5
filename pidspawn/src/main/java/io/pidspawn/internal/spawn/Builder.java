package io.pidspawn.internal.spawn;

import io.pidspawn.ConfigException;
import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;
import io.pidspawn.uapi.ChildCgroup;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.SpawnAction;
import io.pidspawn.uapi.Spawned;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The state behind one builder fd: its configuration, validated key by key as it arrives, the
 * plan compiled from it, and its diagnostics log. Runs share the compiled plan under the read
 * lock; configuration and close take the write lock, so a plan is never freed under a run.
 */
final class Builder {
    enum Kind { BUILDER, EMPTY_PIDFD }

    enum Life { CONFIGURING, STARTED, DEAD, CLOSED }

    private static final int LOG_LINES = 64;

    final int fd;
    final Kind kind;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object compileLock = new Object();
    private volatile FileIdentity fdIdentity;
    private volatile Life life = Life.CONFIGURING;

    // configuration, guarded by the write lock
    private Executable executable;
    private final List<String> argv = new ArrayList<>();
    private String argv0;
    private final Map<String, String> env = new LinkedHashMap<>(System.getenv());
    private String cwdPath;
    private int cwdFd = -1;
    private final TreeMap<Integer, Integer> fdMap = new TreeMap<>(); // child fd <- fd the builder holds
    private boolean inheritFds;
    private String searchName; // set when the executable came from a PATH search
    private String searchPathOverride;
    private final ProcessAttrs attrs = new ProcessAttrs();
    private final SandboxAttrs sandbox = new SandboxAttrs();

    private volatile CompiledPlan plan;
    private final Deque<String> log = new ArrayDeque<>();

    /**
     * Whether runs copy only the fds the child needs (CLONE_FILES, then close_range
     * CLOSE_RANGE_UNSHARE): on unless the system property pidspawn.shareFdTable is false, which
     * benchmarks use to compare with a plain copy of the whole table.
     */
    static final boolean SHARE_FD_TABLE = !"false".equals(System.getProperty("pidspawn.shareFdTable"));

    /** Test hook: make the trampoline fail at a step, as {step code, errno}. */
    static final ThreadLocal<int[]> FAULT = new ThreadLocal<>();

    /** Test hook: skip the parent's argv and environment size check, so that exec itself decides. */
    static final ThreadLocal<Boolean> NO_ARG_LIMIT_CHECK = new ThreadLocal<>();

    Builder(int fd, Kind kind, FileIdentity fdIdentity) {
        this.fd = fd;
        this.kind = kind;
        this.fdIdentity = fdIdentity;
    }

    FileIdentity fdIdentity() {
        return fdIdentity;
    }

    Life life() {
        return life;
    }

    List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    // ---- config ----

    void config(int cmd, String key, byte[] value, int aux) throws ErrnoException {
        lock.writeLock().lock();
        try {
            switch (life) {
                case CONFIGURING -> { }
                case STARTED -> throw refuse(ConfigError.of(key, Errno.EBUSY, "the process has already been started"), shown(cmd, value, aux));
                case DEAD -> throw refuse(ConfigError.of(key, Errno.ESRCH, "a failed run left this pidfd without a process"), shown(cmd, value, aux));
                case CLOSED -> throw new ErrnoException("pidfd_config", Errno.EBADF, "fd " + fd + " is closed");
            }
            try {
                apply(cmd, key, value, aux);
            } catch (ConfigError e) {
                throw refuse(e, shown(cmd, value, aux));
            }
            dropPlan();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Logs a refusal, fsconfig style, with the value where it has one
     * ({@code e cwd "/nope": no such file or directory (ENOENT)}), and returns it as thrown.
     */
    private ConfigException refuse(ConfigError e, String value) {
        ConfigException refused = e.toException(value);
        note("e " + refused.key() + ": " + refused.problem() + " (" + refused.errnoName() + ")");
        return refused;
    }

    /** Appends a line to the log: {@code e} for a refusal, {@code w} for a warning (a rule dropped). */
    private void note(String line) {
        synchronized (log) {
            if (log.size() == LOG_LINES) {
                log.removeFirst();
            }
            log.addLast(line);
        }
    }

    /** A config call's value as a refusal shows it: the string, {@code fd N}, or null for a flag or a list. */
    private static String shown(int cmd, byte[] value, int aux) {
        return switch (cmd) {
            case PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.PIDFD_CONFIG_SET_PATH ->
                    value == null || containsNul(value) ? null : new String(value, StandardCharsets.UTF_8);
            case PidfdSpawn.PIDFD_CONFIG_SET_FD, PidfdSpawn.PIDFD_CONFIG_SET_PATH_EMPTY -> "fd " + aux;
            default -> null;
        };
    }

    private static boolean containsNul(byte[] value) {
        for (byte b : value) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }

    private void apply(int cmd, String key, byte[] value, int aux) throws ConfigError {
        if (key == null || key.isEmpty() || key.length() > 256) {
            throw ConfigError.of(String.valueOf(key), Errno.EINVAL, "a key is 1 to 256 characters");
        }
        ConfigValue v = new ConfigValue(key, cmd, value, aux);
        if (key.startsWith(PidfdSpawn.KEY_FD_PREFIX)) {
            v.expect(PidfdSpawn.PIDFD_CONFIG_SET_FD);
            mapFd(key, v.targetFd(key.substring(PidfdSpawn.KEY_FD_PREFIX.length())), v.openFd());
            return;
        }
        switch (key) {
            case PidfdSpawn.KEY_EXECUTABLE -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.PIDFD_CONFIG_SET_PATH,
                        PidfdSpawn.PIDFD_CONFIG_SET_PATH_EMPTY, PidfdSpawn.PIDFD_CONFIG_SET_FD);
                Executable pinned = switch (cmd) {
                    case PidfdSpawn.PIDFD_CONFIG_SET_STRING -> Executable.pin(key, Libc.AT_FDCWD, v.absolutePath());
                    case PidfdSpawn.PIDFD_CONFIG_SET_PATH -> Executable.pin(key, v.dirfd(), v.path());
                    default -> Executable.pin(key, v.openFd(), null);
                };
                if (executable != null) {
                    executable.release();
                }
                executable = pinned;
            }
            case PidfdSpawn.KEY_SEARCH -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_STRING);
                String name = v.string();
                Executable pinned = Executable.pin(key, Libc.AT_FDCWD, PathSearch.find(key, name, searchPath()));
                if (executable != null) {
                    executable.release();
                }
                executable = pinned;
                searchName = name;
            }
            case PidfdSpawn.KEY_SEARCH_PATH -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_STRING);
                searchPathOverride = v.string();
            }
            case PidfdSpawn.KEY_ARGV -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.PIDFD_CONFIG_SET_BINARY);
                if (cmd == PidfdSpawn.PIDFD_CONFIG_SET_STRING) {
                    argv.add(v.string());
                } else {
                    List<String> all = v.list();
                    argv.clear();
                    argv.addAll(all);
                }
            }
            case PidfdSpawn.KEY_ARGV0 -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_STRING);
                argv0 = v.string();
            }
            case PidfdSpawn.KEY_ENV -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.PIDFD_CONFIG_SET_BINARY);
                if (cmd == PidfdSpawn.PIDFD_CONFIG_SET_STRING) {
                    String entry = v.string();
                    env.put(v.envName(entry), entry.substring(entry.indexOf('=') + 1));
                } else {
                    Map<String, String> all = new LinkedHashMap<>();
                    for (String entry : v.list()) {
                        all.put(v.envName(entry), entry.substring(entry.indexOf('=') + 1));
                    }
                    env.clear();
                    env.putAll(all);
                }
            }
            case PidfdSpawn.KEY_ENV_UNSET -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_STRING);
                env.remove(v.envNameAlone());
            }
            case PidfdSpawn.KEY_ENV_CLEAR -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_FLAG);
                env.clear();
            }
            case PidfdSpawn.KEY_CWD -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.PIDFD_CONFIG_SET_PATH,
                        PidfdSpawn.PIDFD_CONFIG_SET_FD);
                setCwd(key, v);
            }
            case PidfdSpawn.KEY_INHERIT_FDS -> {
                v.expect(PidfdSpawn.PIDFD_CONFIG_SET_FLAG);
                inheritFds = true;
            }
            default -> {
                if (!attrs.apply(key, v) && !sandbox.apply(key, v, this::note)) {
                    throw ConfigError.of(key, Errno.EINVAL, "unknown key");
                }
            }
        }
    }

    /** The PATH a search uses: search-path, else the child's, else pidspawn's own, else {@link PathSearch#DEFAULT_PATH}. */
    private String searchPath() {
        return PathSearch.pathFor(searchPathOverride != null ? searchPathOverride : env.get("PATH"));
    }

    private void setCwd(String key, ConfigValue v) throws ConfigError {
        int held;
        String path = null;
        if (v.cmd() == PidfdSpawn.PIDFD_CONFIG_SET_STRING) {
            // An absolute path is resolved in the child, like posix_spawn_file_actions_addchdir.
            path = v.absolutePath();
            int[] err = {0};
            FileIdentity id = FileIdentity.ofPath(Libc.AT_FDCWD, path, err);
            if (id == null) {
                throw ConfigError.of(key, -err[0], ConfigError.why(-err[0]));
            }
            if (!id.isDirectory()) {
                throw ConfigError.of(key, Errno.ENOTDIR, "not a directory");
            }
            held = -1;
        } else {
            int source = v.cmd() == PidfdSpawn.PIDFD_CONFIG_SET_PATH
                    ? Libc.openat(v.dirfd(), v.path(), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0)
                    : Libc.fcntl(v.openFd(), Libc.F_DUPFD_CLOEXEC, 3);
            if (source < 0) {
                throw ConfigError.of(key, -source, v.cmd() == PidfdSpawn.PIDFD_CONFIG_SET_PATH
                        ? "cannot open as a directory: " + ConfigError.why(-source) : ConfigError.why(-source));
            }
            int[] err = {0};
            FileIdentity id = FileIdentity.ofFd(source, err);
            if (id == null || !id.isDirectory()) {
                Libc.close(source);
                throw ConfigError.of(key, id == null ? -err[0] : Errno.ENOTDIR, "not a directory");
            }
            held = source;
        }
        if (cwdFd >= 0) {
            Libc.close(cwdFd);
        }
        cwdFd = held;
        cwdPath = path;
    }

    private void mapFd(String key, int target, int source) throws ConfigError {
        int held = Libc.fcntl(source, Libc.F_DUPFD_CLOEXEC, 3);
        if (held < 0) {
            throw ConfigError.of(key, -held, "cannot hold a reference to fd " + source + ": " + ConfigError.why(-held));
        }
        Integer old = fdMap.put(target, held);
        if (old != null) {
            Libc.close(old);
        }
        separateHeldFromTargets(key);
    }

    /**
     * No fd the builder holds may sit at a number a mapping writes to, or an earlier dup2 in the
     * child would overwrite the source of a later one: move such fds above every target.
     */
    private void separateHeldFromTargets(String key) throws ConfigError {
        int above = fdMap.lastKey() + 1;
        for (Map.Entry<Integer, Integer> e : fdMap.entrySet()) {
            if (fdMap.containsKey(e.getValue())) {
                int moved = Libc.fcntl(e.getValue(), Libc.F_DUPFD_CLOEXEC, above);
                if (moved < 0) {
                    throw ConfigError.of(key, -moved, "cannot move a held fd above the mapped range");
                }
                Libc.close(e.getValue());
                e.setValue(moved);
            }
        }
    }

    /** The program is {@code path} as the child resolves it when it execs, after the run's actions. */
    void execInChild(String path) {
        replaceExecutable(Executable.inChild(path));
    }

    /**
     * After the configured program fails to exec as execvp's search goes on (EACCES, ENOENT...),
     * the child execs each of {@code paths} in turn, by path.
     */
    void searchFallback(List<String> paths) throws ErrnoException {
        lock.writeLock().lock();
        try {
            if (executable == null) {
                throw new ErrnoException("posix_spawnp", Errno.EINVAL, "no executable configured on fd " + fd);
            }
            executable = executable.withFallback(paths);
            dropPlan();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The program is the first of {@code candidates} the child can exec, tried after the run's actions. */
    void searchInChild(String name, List<String> candidates) {
        replaceExecutable(Executable.searchInChild(name, candidates));
    }

    private void replaceExecutable(Executable replacement) {
        lock.writeLock().lock();
        try {
            if (executable != null) {
                executable.release();
            }
            executable = replacement;
            searchName = null;
            dropPlan();
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---- run ----

    /** Who runs a builder, which decides what its run may hold. */
    enum RunFor {
        /** pidfd_spawn_run: at most {@link PidfdSpawn#MAX_ACTIONS}, envp as NAME=value, no action on a library fd. */
        UAPI,
        /** posix_spawn: any number of actions, envp strings as given, no action on a library fd. */
        POSIX,
        /** A Command, whose own actions may read the fds it holds for its children. */
        COMMAND
    }

    /** Runs once, with what {@code who} may ask for. */
    Spawned run(RunArgs args, RunFor who) throws ErrnoException {
        int maxActions = who == RunFor.POSIX ? -1 : PidfdSpawn.MAX_ACTIONS;
        researchIfReplaced();
        var l = kind == Kind.EMPTY_PIDFD ? lock.writeLock() : lock.readLock();
        l.lock();
        try {
            switch (life) {
                case CONFIGURING -> { }
                case STARTED -> throw new ErrnoException("pidfd_spawn_run", Errno.EBUSY,
                        "pidfd " + fd + " already refers to a started process");
                case DEAD -> throw new ErrnoException("pidfd_spawn_run", Errno.ESRCH,
                        "a failed run left pidfd " + fd + " without a process");
                case CLOSED -> throw new ErrnoException("pidfd_spawn_run", Errno.EBADF, "fd " + fd + " is closed");
            }
            if (executable == null) {
                throw new ErrnoException("pidfd_spawn_run", Errno.EINVAL, "no executable configured on fd " + fd);
            }
            Spawned child;
            try {
                // Everything that can be refused is refused here, before any child exists.
                RunPart part = RunPart.validate(args, executable.display(), maxActions, who == RunFor.POSIX);
                refuseHeldSources(args.actions(), who != RunFor.COMMAND);
                child = spawn(compiled(), part);
            } catch (SpawnException e) {
                if (kind == Kind.EMPTY_PIDFD) {
                    markDead(); // any failed run, refused or failed in the child
                }
                throw e;
            }
            return kind == Kind.EMPTY_PIDFD ? becomeChild(child) : child;
        } finally {
            l.unlock();
        }
    }

    /**
     * An action may not read from a fd the builder holds (itself, the pinned executable, its
     * directory, the cwd, a mapped fd's reference) or, in a caller's actions ({@code callers}),
     * another the library keeps for itself (see {@link LongLivedFds#isInternal}; a Command's
     * own actions read the copies it holds): the caller never opened those numbers, so for the
     * caller they are not open, EBADF, as in glibc's posix_spawn.
     */
    private void refuseHeldSources(List<SpawnAction> actions, boolean callers) throws SpawnException {
        for (int i = 0; i < actions.size(); i++) {
            int source = switch (actions.get(i)) {
                case SpawnAction.Dup2 x -> x.fd();
                case SpawnAction.Fchdir x -> x.fd();
                case SpawnAction.Tcsetpgrp x -> x.fd();
                case SpawnAction.Open x -> x.dirfd();
                default -> -1;
            };
            if (source >= 0 && (source == fd || source == executable.fd() || source == executable.dirfd()
                    || source == cwdFd || fdMap.containsValue(source) || (callers && LongLivedFds.isInternal(source)))) {
                throw new SpawnException(executable.display(), SpawnStep.PREPARE, Errno.EBADF,
                        actions.get(i).describe() + ": fd " + source + " is not open (pidspawn holds it for this spawn)", i);
            }
        }
    }

    /**
     * Whether fd still holds this builder's file. The identity changes under the write lock when
     * a one-fd pidfd becomes its child's, so a check racing that run waits for it instead of
     * mistaking the new pidfd for a number closed behind the library's back.
     */
    boolean isAt(int number) {
        lock.readLock().lock();
        try {
            int[] err = {0};
            return fdIdentity.sameInode(FileIdentity.ofFd(number, err));
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * A searched executable is searched again when the file it found changed, as a shell would
     * find the new one; a configured path stays pinned (and the run fails with ESTALE).
     */
    private void researchIfReplaced() throws ErrnoException {
        lock.readLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            if (searchName == null || executable == null || life != Life.CONFIGURING || executable.staleness(arena) == 0) {
                return;
            }
        } finally {
            lock.readLock().unlock();
        }
        lock.writeLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            if (executable != null && searchName != null && life == Life.CONFIGURING && executable.staleness(arena) != 0) {
                Executable fresh = Executable.pin(PidfdSpawn.KEY_SEARCH, Libc.AT_FDCWD,
                        PathSearch.find(PidfdSpawn.KEY_SEARCH, searchName, searchPath()));
                executable.release();
                executable = fresh;
                dropPlan();
            }
        } catch (ConfigError e) {
            throw refuse(e, searchName);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private Spawned spawn(CompiledPlan p, RunPart part) throws SpawnException {
        try (Arena arena = Arena.ofConfined()) {
            int stale = executable.staleness(arena);
            if (stale != 0) {
                throw new SpawnException(p.program, SpawnStep.PREPARE, stale,
                        "executable changed since it was configured", -1);
            }
            int argc = part.argv != null ? part.argv.size() : p.argc;
            long argBytes = part.argv != null ? ArgLimits.stringBytes(part.argv) : p.argvBytes;
            int envc = part.envp != null ? part.envp.size() : p.envc;
            long envBytes = part.envp != null ? ArgLimits.stringBytes(part.envp) : p.envpBytes;
            // What fits in ARG_MAX fits under any stack limit: only a larger argv needs RLIMIT_STACK.
            boolean small = ArgLimits.fitsAnyStack(argc, envc, argBytes + envBytes, p.filenameBytes);
            long stack = small ? 0 : attrs.stackSoftLimit();
            if (!small && NO_ARG_LIMIT_CHECK.get() == null && !ArgLimits.fits(argc, envc, argBytes + envBytes, p.filenameBytes, stack)) {
                long pointers = ((long) Math.max(argc, 1) + envc) * Long.BYTES;
                throw new SpawnException(p.program, SpawnStep.PREPARE, Errno.E2BIG,
                        "argv and environment exceed what exec accepts: " + argc + " arguments and " + envc
                        + " environment strings take " + (argBytes + envBytes + p.filenameBytes + pointers)
                        + " bytes with their pointers and the exec filename, of " + ArgLimits.space(stack)
                        + " (a quarter of RLIMIT_STACK " + (stack == -1 ? "unlimited" : Long.toUnsignedString(stack))
                        + ", within 128 KiB..6 MiB)", -1);
            }
            ChildCgroup cgroup = cgroupFor(p, part);
            try {
                Spawned child = spawn(arena, p, part, cgroup);
                cgroup = null; // the caller's now
                return child;
            } finally {
                if (cgroup != null) {
                    removeQuietly(cgroup);
                }
            }
        }
    }

    /**
     * The cgroups of this run's child, when it gets its own: created now with their limits, and
     * joined by the child (v1) or cloned into (v2). The fds the child writes to are put above every
     * fd an op writes to, so that no mapping overwrites them before the child joins.
     */
    private ChildCgroup cgroupFor(CompiledPlan p, RunPart part) throws SpawnException {
        if (attrs.cgroupFd >= 0) {
            return null;
        }
        OwnCgroups own = attrs.own.wanted() ? attrs.own : part.ownCgroup ? OwnCgroups.whenPossible() : null;
        if (own == null) {
            return null;
        }
        ChildCgroup c;
        try {
            c = own.create(Math.max(Math.max(p.highestTarget, part.ops.highestTarget()), Math.max(p.highestFd, part.ops.highestFd())) + 1);
        } catch (ErrnoException e) {
            if (own != attrs.own) {
                return null; // only when possible: the run goes on without
            }
            throw new SpawnException(p.program, SpawnStep.PREPARE, e.errno(), "cgroup of its own: " + e.getMessage(), -1);
        }
        OwnerWatch.cgroupsMade(c.directories()); // a child that dies with its parent: watched before it exists
        List<Integer> join = c.joinFds();
        List<java.nio.file.Path> dirs = c.v1Directories();
        for (int i = join.size() - 1; i >= 0; i--) {
            part.ops.addFirst(SpawnStep.CGROUP_JOIN.code(), join.get(i), "join cgroup v1 " + dirs.get(i));
        }
        part.prepended = join.size();
        return c;
    }

    private static void removeQuietly(ChildCgroup c) {
        try {
            c.remove();
        } catch (ErrnoException e) {
            // a failed spawn's empty cgroup: nothing more to do
        }
    }

    private Spawned spawn(Arena arena, CompiledPlan p, RunPart part, ChildCgroup cgroup) throws SpawnException {
        {
            MemorySegment rq = arena.allocate(PlanAbi.REQUEST);
            rq.set(ValueLayout.JAVA_LONG, PlanAbi.RQ_EXEC_PATH,
                    (part.changesDirectory ? p.execPathAfterChdir : p.execPath).address());
            rq.set(ValueLayout.JAVA_LONG, PlanAbi.RQ_ARGV,
                    (part.argv != null ? CompiledPlan.strings(arena, part.argv) : p.argv).address());
            rq.set(ValueLayout.JAVA_LONG, PlanAbi.RQ_ENVP,
                    (part.envp != null ? CompiledPlan.strings(arena, part.envp) : p.envp).address());
            rq.set(ValueLayout.JAVA_LONG, PlanAbi.RQ_PLAN_OPS, p.ops.address());
            rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_PLAN_COUNT, p.opCount);
            rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_PLAN_TAIL, p.tail);
            rq.set(ValueLayout.JAVA_LONG, PlanAbi.RQ_RUN_OPS, part.ops.write(arena).address());
            rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_RUN_COUNT, part.ops.size());
            rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_EXEC_FD, p.execFd);
            rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_EXEC_FLAGS, p.execFlags);
            rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_EXEC_COUNT, p.execCount);
            boolean intoCgroup = cgroup != null && cgroup.cloneFd() >= 0;
            rq.set(ValueLayout.JAVA_LONG, PlanAbi.RQ_CLONE_FLAGS, attrs.cloneFlags() | (intoCgroup ? ProcessAttrs.CLONE_INTO_CGROUP : 0));
            rq.set(ValueLayout.JAVA_LONG, PlanAbi.RQ_CGROUP_FD, intoCgroup ? cgroup.cloneFd() : Math.max(attrs.cgroupFd, 0));
            rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_SYNC_FD, -1);
            int[] fault = FAULT.get();
            if (fault != null) {
                rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_FAULT_STEP, fault[0]);
                rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_FAULT_ERRNO, fault[1]);
            }
            StoppedChildWatchdog.InFlight watched = StoppedChildWatchdog.begin(rq);
            int r;
            try {
                r = clone(rq, p.shareFdTable ? Math.max(p.highestFd, part.ops.highestFd()) : -1);
            } finally {
                StoppedChildWatchdog.end(watched);
                if (cgroup != null) {
                    cgroup.closeSpawnFds();
                }
            }
            if (r < 0) {
                throw new SpawnException(p.program, SpawnStep.CLONE, -r, null, -1);
            }
            if (watched.killed) {
                reapKilled(rq);
                throw new SpawnException(p.program, SpawnStep.STOPPED, Errno.ETIMEDOUT,
                        "stopped before exec, and killed after " + StoppedChildWatchdog.limitMillis() + " ms", -1);
            }
            int failStep = rq.get(ValueLayout.JAVA_INT, PlanAbi.RQ_FAIL_STEP);
            if (failStep != 0) {
                int list = rq.get(ValueLayout.JAVA_INT, PlanAbi.RQ_FAIL_LIST);
                int index = rq.get(ValueLayout.JAVA_INT, PlanAbi.RQ_FAIL_INDEX);
                int errno = rq.get(ValueLayout.JAVA_INT, PlanAbi.RQ_FAIL_ERRNO);
                String detail = switch (list) {
                    case PlanAbi.LIST_PLAN -> p.opDescriptions[index];
                    case PlanAbi.LIST_RUN -> part.ops.descriptions.get(index);
                    default -> null;
                };
                // The cgroup joins come before the caller's actions, which keep their own numbers.
                int action = list == PlanAbi.LIST_RUN && index >= part.prepended ? index - part.prepended : -1;
                throw new SpawnException(p.program, SpawnStep.ofCode(failStep), errno, detail, action);
            }
            return new Spawned(rq.get(ValueLayout.JAVA_INT, PlanAbi.RQ_PID), rq.get(ValueLayout.JAVA_INT, PlanAbi.RQ_PIDFD), cgroup);
        }
    }

    /**
     * Calls the trampoline: on the long-lived spawner thread when the child asks for a
     * parent-death signal, and with an id-map writer beside it when it gets a user namespace.
     * {@code highestFd} is the highest fd the child needs, or -1 to copy the whole fd table.
     */
    private int clone(MemorySegment rq, int highestFd) throws SpawnException {
        IdMapWriter maps = null;
        if (attrs.needsIdMaps()) {
            maps = IdMapWriter.start(rq, attrs.effectiveUidMap(), attrs.effectiveGidMap(), Ids.EUID != 0);
            rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_SYNC_FD, maps.childFd());
            highestFd = highestFd < 0 ? highestFd : Math.max(highestFd, maps.childFd());
        }
        // With a limit the child keeps only the fds below it: every fd its ops name, and 0-2.
        rq.set(ValueLayout.JAVA_INT, PlanAbi.RQ_FILES_LIMIT, highestFd < 0 ? 0 : highestFd + 1);
        try {
            if (attrs.pdeathsig == 0) {
                return Trampoline.spawn(rq);
            }
            MemorySegment shared = MemorySegment.ofAddress(rq.address()).reinterpret(rq.byteSize());
            try {
                return Spawner.call(() -> Trampoline.spawn(shared));
            } catch (Exception e) {
                throw new IllegalStateException("pidspawn: the spawner thread failed", e);
            }
        } finally {
            if (maps != null) {
                maps.finish();
            }
        }
    }

    /** A child the watchdog killed before exec: reaped here, so nothing is left. */
    private static void reapKilled(MemorySegment rq) {
        int pidfd = rq.get(ValueLayout.JAVA_INT, PlanAbi.RQ_PIDFD);
        if (pidfd >= 0) {
            try (Arena a = Arena.ofConfined()) {
                while (Libc.waitid(Libc.P_PIDFD, pidfd, a.allocate(128, 8), Libc.WEXITED) == -Errno.EINTR) {
                    // retry
                }
            }
            Libc.close(pidfd);
        }
    }

    /** The one-fd spelling: the builder's fd number now refers to the child. */
    private Spawned becomeChild(Spawned child) throws ErrnoException {
        int flags = Libc.fdFlags(fd);
        int r = Libc.dup3(child.pidfd(), fd, flags >= 0 && (flags & Libc.FD_CLOEXEC) == 0 ? 0 : Libc.O_CLOEXEC);
        if (r < 0) {
            Libc.pidfdSendSignal(child.pidfd(), 9, 0);
            try (Arena a = Arena.ofConfined()) {
                Libc.waitid(Libc.P_PIDFD, child.pidfd(), a.allocate(128), Libc.WEXITED);
            }
            Libc.close(child.pidfd());
            markDead();
            throw new ErrnoException("pidfd_spawn_run", -r, "cannot place the child's pidfd at fd " + fd);
        }
        Libc.close(child.pidfd());
        releaseConfig();
        int[] err = {0};
        fdIdentity = FileIdentity.ofFd(fd, err);
        life = Life.STARTED;
        return new Spawned(child.pid(), fd, child.cgroup());
    }

    private void markDead() {
        releaseConfig();
        life = Life.DEAD;
    }

    private CompiledPlan compiled() throws ErrnoException {
        CompiledPlan p = plan;
        if (p != null) {
            return p;
        }
        synchronized (compileLock) {
            if (plan == null) {
                plan = compile();
            }
            return plan;
        }
    }

    private CompiledPlan compile() throws ErrnoException {
        CompiledPlan.Ops ops = new CompiledPlan.Ops();
        attrs.compile(ops, sandbox.active());
        if (!inheritFds) {
            // Mark, not close: the plan's sources and the per-run actions' fds are needed until
            // exec, which then closes everything still marked.
            ops.add(SpawnStep.CLOSE_RANGE.code(), 3, -1, Libc.CLOSE_RANGE_CLOEXEC, null, 0, 0,
                    "close fds above 2 (close_range 3..max, close-on-exec)");
        }
        if (cwdPath != null) {
            ops.add(SpawnStep.CHDIR.code(), 0, 0, 0, cwdPath, 0, 0, "chdir " + cwdPath);
        } else if (cwdFd >= 0) {
            ops.add(SpawnStep.FCHDIR.code(), cwdFd, 0, 0, null, 0, 0, "fchdir to the configured cwd");
        }
        for (Map.Entry<Integer, Integer> m : fdMap.entrySet()) {
            ops.add(SpawnStep.DUP2.code(), m.getValue(), m.getKey(), 0, null, 0, 0,
                    "map fd " + m.getKey() + " (dup2 fd " + m.getValue() + " -> " + m.getKey() + ")");
        }
        List<byte[]> args = new ArrayList<>(argv.size() + 1);
        for (String a : argv) {
            args.add(a.getBytes(StandardCharsets.UTF_8));
        }
        String first = argv0 != null ? argv0 : executable.display();
        if (args.isEmpty()) {
            args.add(first.getBytes(StandardCharsets.UTF_8));
        } else if (argv0 != null) {
            args.set(0, argv0.getBytes(StandardCharsets.UTF_8));
        }
        List<byte[]> envp = new ArrayList<>(env.size());
        for (Map.Entry<String, String> e : env.entrySet()) {
            envp.add((e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8));
        }
        // The tail runs after the run's actions: the sandbox, which must come last.
        int tail = ops.size();
        sandbox.compile(ops);
        boolean script = executable.scriptPath() != null;
        String inCwd = script ? scriptInCwd() : null;
        return new CompiledPlan(executable.display(), ops, tail, args, envp,
                script ? (inCwd != null ? inCwd : executable.scriptExecPath(cwdPath != null || cwdFd >= 0)) : null,
                script ? executable.scriptExecPath(true) : null,
                script ? Libc.AT_FDCWD : executable.fd(), script ? 0 : Libc.AT_EMPTY_PATH, executable.fallback(),
                !inheritFds && SHARE_FD_TABLE);
    }

    /**
     * The relative path a script was pinned by, when the directory it is relative to is the
     * configured cwd: the child, there when it execs, names the pinned file by it, and the
     * script sees it as {@code $0}, as after chdir and execve. Otherwise null.
     */
    private String scriptInCwd() {
        String p = executable.path();
        if (p == null || p.startsWith("/") || executable.dirfd() < 0 || (cwdFd < 0 && cwdPath == null)) {
            return null;
        }
        int[] err = {0};
        FileIdentity dir = FileIdentity.ofFd(executable.dirfd(), err);
        FileIdentity cwd = cwdFd >= 0 ? FileIdentity.ofFd(cwdFd, err) : FileIdentity.ofPath(Libc.AT_FDCWD, cwdPath, err);
        return dir != null && cwd != null && dir.sameInode(cwd) ? p : null;
    }

    private void dropPlan() {
        CompiledPlan p = plan;
        plan = null;
        if (p != null) {
            p.close();
        }
    }

    // ---- close ----

    /** Releases everything the builder holds and closes its fd. */
    void close() {
        lock.writeLock().lock();
        try {
            if (life == Life.CLOSED) {
                return;
            }
            releaseConfig();
            life = Life.CLOSED;
            Libc.close(fd);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** For a fd number someone closed behind the library's back: release, but do not close the number. */
    void forget() {
        lock.writeLock().lock();
        try {
            releaseConfig();
            life = Life.CLOSED;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void releaseConfig() {
        dropPlan();
        attrs.release();
        sandbox.release();
        if (executable != null) {
            executable.release();
            executable = null;
        }
        if (cwdFd >= 0) {
            Libc.close(cwdFd);
            cwdFd = -1;
        }
        for (int held : fdMap.values()) {
            Libc.close(held);
        }
        fdMap.clear();
    }
}
