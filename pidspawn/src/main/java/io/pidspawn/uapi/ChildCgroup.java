package io.pidspawn.uapi;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.Signals;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.spawn.Cgroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cgroups a run created for its child ({@code cgroup.own} and the limit keys): one on cgroup
 * v2 when it is mounted (the child starts in it, CLONE_INTO_CGROUP), and one per cgroup v1
 * hierarchy a controller was placed on (the child joins them itself before exec). Everything the
 * child starts stays in them unless it is moved out, which is what makes {@link #kill()} reach a
 * whole tree, daemons included.
 *
 * <p>Owned by whoever ran the builder, like the pidfd: after reaping the child, read what it used
 * ({@link #memoryPeakBytes()}, {@link #oomKilled()}) and {@link #remove()} it. The Java API does
 * both itself.
 */
public final class ChildCgroup {
    private final Path v2;
    private final boolean v2Memory;
    private final Map<String, Path> v1; // controller -> directory
    private int cloneFd = -1;
    private final List<Integer> joinFds = new ArrayList<>();

    private ChildCgroup(Path v2, boolean v2Memory, Map<String, Path> v1) {
        this.v2 = v2;
        this.v2Memory = v2Memory;
        this.v1 = Map.copyOf(v1);
    }

    /**
     * For the builder: a created set of cgroups, with the fds the spawn needs opened.
     *
     * @param v2 the cgroup v2 directory, or null
     * @param v2Memory whether the v2 cgroup has the memory controller
     * @param v1 the cgroup v1 directories by controller name; may be empty
     * @param lowestFd the lowest fd number the opened fds may take (so they stay clear of the child's mapped fds)
     * @return the cgroups, with their fds open
     * @throws ErrnoException if a directory or cgroup.procs could not be opened; nothing is left open
     */
    public static ChildCgroup open(Path v2, boolean v2Memory, Map<String, Path> v1, int lowestFd) throws ErrnoException {
        ChildCgroup c = new ChildCgroup(v2, v2Memory, new LinkedHashMap<>(v1));
        try {
            if (v2 != null) {
                c.cloneFd = check(Libc.openat(Libc.AT_FDCWD, v2.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0), v2);
            }
            for (Path dir : v1.values()) {
                Path procs = dir.resolve("cgroup.procs");
                int fd = check(Libc.openat(Libc.AT_FDCWD, procs.toString(), Libc.O_WRONLY | Libc.O_CLOEXEC, 0), procs);
                if (fd < lowestFd) {
                    int moved = Libc.fcntl(fd, Libc.F_DUPFD_CLOEXEC, lowestFd);
                    Libc.close(fd);
                    fd = check(moved, procs);
                }
                c.joinFds.add(fd);
            }
            return c;
        } catch (ErrnoException e) {
            c.closeSpawnFds();
            throw e;
        }
    }

    private static int check(int fd, Path what) throws ErrnoException {
        if (fd < 0) {
            throw new ErrnoException("open", -fd, what.toString());
        }
        return fd;
    }

    /**
     * For the builder: the v2 directory fd to clone into, or -1.
     *
     * @return the fd, or -1
     */
    public int cloneFd() {
        return cloneFd;
    }

    /**
     * For the builder: the v1 cgroup.procs fds the child writes itself into.
     *
     * @return a copy of the list of fds
     */
    public List<Integer> joinFds() {
        return List.copyOf(joinFds);
    }

    /**
     * For the builder: the v1 directories, in the order of {@link #joinFds()}.
     *
     * @return a copy of the list
     */
    public List<Path> v1Directories() {
        return List.copyOf(v1.values());
    }

    /** For the builder, after the clone: the fds only the spawn needed. */
    public void closeSpawnFds() {
        if (cloneFd >= 0) {
            Libc.close(cloneFd);
            cloneFd = -1;
        }
        for (int fd : joinFds) {
            Libc.close(fd);
        }
        joinFds.clear();
    }

    /**
     * The cgroup v2 directory, when there is one.
     *
     * @return the directory, or empty
     */
    public Optional<Path> v2Directory() {
        return Optional.ofNullable(v2);
    }

    /**
     * Every directory, v2 first.
     *
     * @return a new list
     */
    public List<Path> directories() {
        List<Path> all = new ArrayList<>();
        if (v2 != null) {
            all.add(v2);
        }
        all.addAll(v1.values());
        return all;
    }

    /** The directory that contains the tree: v2's, else the v1 freezer's. */
    private Path container() {
        return v2 != null ? v2 : v1.get("freezer");
    }

    /**
     * SIGKILLs every process in the cgroup: on v2 by writing 1 to {@code cgroup.kill} (Linux 5.14),
     * which the kernel applies to the whole cgroup at once, so nothing escapes by forking; on v1
     * (and a v2 without cgroup.kill) by freezing it, killing every process in it, and thawing it.
     *
     * @return whether there was a process to kill
     * @throws ErrnoException if writing cgroup.kill or freezing failed
     */
    public boolean kill() throws ErrnoException {
        Path c = container();
        if (c == null) {
            return false;
        }
        boolean populated = populated();
        if (v2 != null && Files.exists(v2.resolve("cgroup.kill"))) {
            int r = Cgroups.write(v2.resolve("cgroup.kill"), "1");
            if (r < 0 && r != -Errno.ENOENT) {
                throw new ErrnoException("write", -r, v2.resolve("cgroup.kill").toString());
            }
            return populated;
        }
        return signalFrozen(Signals.SIGKILL) || populated;
    }

    /**
     * Sends sig to every process in the cgroup, with the cgroup frozen meanwhile (v2 cgroup.freeze,
     * v1 freezer.state), so that none forks or exits between the listing and the signal.
     *
     * @return whether any process got it
     * @param sig the signal number
     * @throws ErrnoException if freezing or reading the cgroup failed
     */
    public boolean signal(int sig) throws ErrnoException {
        if (sig == Signals.SIGKILL) {
            return kill();
        }
        return signalFrozen(sig);
    }

    private boolean signalFrozen(int sig) throws ErrnoException {
        Path c = container();
        if (c == null) {
            return false;
        }
        boolean frozen = freeze(true);
        try {
            boolean any = false;
            String procs = Cgroups.read(c.resolve("cgroup.procs"));
            if (procs == null) {
                return false;
            }
            for (String line : procs.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                int pid = Integer.parseInt(line.trim());
                int r = Libc.kill(pid, sig);
                if (r == 0) {
                    any = true;
                } else if (r != -Errno.ESRCH) {
                    throw new ErrnoException("kill", -r, "pid " + pid + " in cgroup " + c + ", signal " + Signals.name(sig));
                }
            }
            return any;
        } finally {
            if (frozen) {
                freeze(false);
            }
        }
    }

    /** Freezes (or thaws) the container, waiting briefly for a freeze to take; false if it cannot be frozen. */
    private boolean freeze(boolean on) {
        Path file;
        String value;
        if (v2 != null) {
            file = v2.resolve("cgroup.freeze");
            value = on ? "1" : "0";
        } else if (v1.get("freezer") != null) {
            file = v1.get("freezer").resolve("freezer.state");
            value = on ? "FROZEN" : "THAWED";
        } else {
            return false;
        }
        if (Cgroups.write(file, value) < 0) {
            return false;
        }
        if (on) {
            long deadline = System.nanoTime() + 100_000_000L;
            while (System.nanoTime() < deadline) {
                boolean done = v2 != null ? Cgroups.keyed(v2.resolve("cgroup.events"), "frozen") == 1
                        : "FROZEN".equals(String.valueOf(Cgroups.read(file)).trim());
                if (done) {
                    break;
                }
                Thread.onSpinWait();
            }
        }
        return true;
    }

    /**
     * Whether any process is still in the cgroup.
     *
     * @return true if a process is in one of the directories
     */
    public boolean populated() {
        if (v2 != null) {
            long p = Cgroups.keyed(v2.resolve("cgroup.events"), "populated");
            if (p >= 0) {
                return p == 1;
            }
        }
        for (Path dir : directories()) {
            String procs = Cgroups.read(dir.resolve("cgroup.procs"));
            if (procs != null && !procs.isBlank()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The most memory the cgroup ever used: v2 {@code memory.peak} (Linux 5.19), v1
     * {@code memory.max_usage_in_bytes}; -1 when it has no memory controller.
     *
     * @return the peak in bytes, or -1
     */
    public long memoryPeakBytes() {
        if (v2 != null && v2Memory) {
            return Cgroups.number(v2.resolve("memory.peak"));
        }
        Path m = v1.get("memory");
        return m == null ? -1 : Cgroups.number(m.resolve("memory.max_usage_in_bytes"));
    }

    /**
     * Whether the OOM killer killed a process in the cgroup: oom_kill in v2 memory.events, v1 memory.oom_control (4.13).
     *
     * @return true if it did
     */
    public boolean oomKilled() {
        if (v2 != null && v2Memory) {
            return Cgroups.keyed(v2.resolve("memory.events"), "oom_kill") > 0;
        }
        Path m = v1.get("memory");
        return m != null && Cgroups.keyed(m.resolve("memory.oom_control"), "oom_kill") > 0;
    }

    /**
     * Removes the cgroups (rmdir), once no process is left in them.
     *
     * @return true if they are gone; false while a process is still in one (EBUSY): try again later
     * @throws ErrnoException if rmdir failed otherwise
     */
    public boolean remove() throws ErrnoException {
        closeSpawnFds();
        boolean gone = true;
        for (Path dir : directories()) {
            int r = Libc.rmdir(dir.toString());
            if (r == -Errno.EBUSY) {
                gone = false;
            } else if (r < 0 && r != -Errno.ENOENT) {
                throw new ErrnoException("rmdir", -r, "cgroup " + dir);
            }
        }
        return gone;
    }

    @Override
    public String toString() {
        return "ChildCgroup" + directories();
    }
}
