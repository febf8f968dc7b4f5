package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Native;
import io.pidspawn.internal.linux.LongLivedFds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A pinned executable: an O_PATH fd the builder owns, the file's identity when it was pinned,
 * and how to find the path again to notice a file renamed over it.
 *
 * <p>ELF programs are exec'd through the fd (execveat AT_EMPTY_PATH), so no path race can swap
 * them. {@code #!} scripts are exec'd by a path instead: the interpreter opens the script by name,
 * and a close-on-exec fd would leave it only a {@code /dev/fd/N} it cannot open. The path is the
 * one the caller gave (relative, or a symlink's name), which the script sees as {@code $0} as with
 * execve; each run first checks that it still names the pinned file (else ESTALE). Where the
 * caller's path cannot be used (relative, with a run that changes directory first; or relative
 * to a directory fd that is not the builder's cwd), the script's absolute real path is exec'd.
 *
 * @param fd the O_PATH fd (owned; close-on-exec)
 * @param identity the file when it was pinned
 * @param display how messages name it: the path as configured
 * @param dirfd the directory fd a path is relative to (owned), AT_FDCWD, or -1 when configured by fd
 * @param path the path to re-check at each run, or null when configured by fd
 * @param scriptPath the absolute path to exec a {@code #!} script by, or null for exec by fd
 * @param scriptName the caller's path to exec a script by while the child's directory is the
 *     caller's (any directory if absolute), or null to use scriptPath
 * @param fallback the paths the child execs in turn when this one fails as execvp's search goes
 *     on (posix_spawnp's later PATH candidates), by path, unpinned; usually none
 */
record Executable(int fd, FileIdentity identity, String display, int dirfd, String path, String scriptPath,
                  String scriptName, List<String> fallback) {

    /**
     * Pins the file at path (relative to dirfd) or, with a null path, the file open at dirfd.
     * The caller's fds are only borrowed: the builder takes its own references.
     */
    static Executable pin(String key, int dirfd, String path) throws ConfigError {
        // Kept above the numbers callers choose, so that no file action can name it by accident.
        int pinned = LongLivedFds.moveInternal(path != null
                ? Libc.openat(dirfd, path, Libc.O_PATH | Libc.O_CLOEXEC, 0)
                : Libc.fcntl(dirfd, Libc.F_DUPFD_CLOEXEC, 3));
        String display = path != null ? path : fdPath(dirfd);
        if (pinned < 0) {
            throw ConfigError.of(key, -pinned, path != null ? "cannot open: " + ConfigError.why(-pinned) : "not open");
        }
        int heldDir = -1;
        try {
            int[] err = {0};
            FileIdentity id = FileIdentity.ofFd(pinned, err);
            if (id == null) {
                throw ConfigError.of(key, -err[0], "cannot stat: " + ConfigError.why(-err[0]));
            }
            if (!id.isRegular()) {
                throw ConfigError.of(key, Errno.EACCES, "not a regular file");
            }
            if (!executableByUs(id)) {
                throw ConfigError.of(key, Errno.EACCES, "no execute permission (chmod +x it, or run its interpreter with it as an argument)");
            }
            String script = isScript(pinned) ? scriptPath(key, pinned, id, display) : null;
            if (path != null && dirfd != Libc.AT_FDCWD && !path.startsWith("/")) {
                heldDir = LongLivedFds.moveInternal(Libc.fcntl(dirfd, Libc.F_DUPFD_CLOEXEC, 3));
                if (heldDir < 0) {
                    throw ConfigError.of(key, -heldDir, "directory fd " + dirfd + ": " + ConfigError.why(-heldDir));
                }
            } else if (path != null) {
                heldDir = Libc.AT_FDCWD;
            }
            // The caller's path names the pinned file wherever staleness() checks it: from the cwd.
            String name = script != null && path != null && (path.startsWith("/") || dirfd == Libc.AT_FDCWD) ? path : null;
            Executable e = new Executable(pinned, id, display, heldDir, path, script, name, List.of());
            pinned = -1;
            heldDir = -1;
            return e;
        } finally {
            LongLivedFds.closeInternal(pinned);
            LongLivedFds.closeInternal(heldDir);
        }
    }

    /**
     * A program exec'd by a path the child resolves, after its actions (a relative path after a
     * chdir action, as posix_spawn does): nothing is opened or pinned here.
     */
    static Executable inChild(String path) {
        return new Executable(-1, null, path, -1, null, path, path, List.of());
    }

    /**
     * A program {@code name} the child searches for after its actions, exec'ing each of
     * {@code candidates} (at least one) in turn as execvp does (posix_spawnp with a relative or
     * empty PATH entry): nothing is opened or pinned here.
     */
    static Executable searchInChild(String name, List<String> candidates) {
        String first = candidates.getFirst();
        return new Executable(-1, null, name, -1, null, first, first, List.copyOf(candidates.subList(1, candidates.size())));
    }

    /** This executable, with {@code paths} for the child to try after it, as execvp's search goes on. */
    Executable withFallback(List<String> paths) {
        return new Executable(fd, identity, display, dirfd, path, scriptPath, scriptName, List.copyOf(paths));
    }

    /**
     * The errno that makes this executable unusable now: ESTALE when the pinned file changed or
     * another file took its path, or 0 while it is still the file that was configured.
     *
     * <p>One statx per run. With a path, the file at the path is stat'ed: if its device and inode
     * are the pinned ones it is the pinned inode (which the O_PATH fd keeps alive, so its number
     * cannot be reused), and what statx returns is that file's metadata now, so equality with
     * the identity answers both questions. Without a path, the fd itself is stat'ed.
     */
    int staleness(Arena arena) {
        if (fd < 0) {
            return 0; // resolved in the child: nothing was pinned
        }
        // statx's buffer and the path in the thread's scratch: no malloc per run for a usual path
        MemorySegment room = Native.scratch(Native.SCRATCH_BYTES);
        MemorySegment scratch = room.asSlice(0, FileIdentity.STATX_SIZE);
        int[] err = {0};
        FileIdentity now = path != null
                ? FileIdentity.stat(dirfd, Native.cString(path, room.asSlice(FileIdentity.STATX_SIZE), arena), 0, scratch, err)
                : FileIdentity.stat(fd, Native.EMPTY_STRING, Libc.AT_EMPTY_PATH, scratch, err);
        return identity.equals(now) ? 0 : Errno.ESTALE;
    }

    /**
     * The path a {@code #!} script is exec'd by.
     *
     * @param changesDirectory whether the child changes directory before it execs
     */
    String scriptExecPath(boolean changesDirectory) {
        return scriptName != null && (fd < 0 || !changesDirectory || scriptName.startsWith("/")) ? scriptName : scriptPath;
    }

    void release() {
        LongLivedFds.closeInternal(fd);
        LongLivedFds.closeInternal(dirfd);
    }

    /** execve's permission rule, from the mode bits: root needs any x bit, others their own. */
    static boolean executableByUs(FileIdentity id) {
        int euid = Ids.EUID;
        if (euid == 0) {
            return (id.mode() & 0111) != 0;
        }
        if (euid == id.uid()) {
            return (id.mode() & 0100) != 0;
        }
        return Ids.inGroup(id.gid()) ? (id.mode() & 0010) != 0 : (id.mode() & 0001) != 0;
    }

    private static boolean isScript(int opath) {
        // O_PATH fds cannot be read; reopen through /proc. An unreadable file (mode 0111) is run as a binary.
        int fd = Libc.openat(Libc.AT_FDCWD, "/proc/self/fd/" + opath, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            return false;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment head = a.allocate(2);
            return Libc.read(fd, head, 2) == 2 && head.get(ValueLayout.JAVA_BYTE, 0) == '#'
                    && head.get(ValueLayout.JAVA_BYTE, 1) == '!';
        } finally {
            Libc.close(fd);
        }
    }

    private static String scriptPath(String key, int opath, FileIdentity id, String display) throws ConfigError {
        String real = fdPath(opath);
        int[] err = {0};
        if (real == null || !real.startsWith("/") || !id.equals(FileIdentity.ofPath(Libc.AT_FDCWD, real, err))) {
            throw ConfigError.of(key, Errno.ENOEXEC,
                    "a #! script must be reachable by a path (" + display + " is not), for its interpreter opens it by name");
        }
        return real;
    }

    /** Where a fd points, as /proc shows it, or null. */
    static String fdPath(int fd) {
        return Libc.readlink("/proc/self/fd/" + fd, new int[1]);
    }
}
