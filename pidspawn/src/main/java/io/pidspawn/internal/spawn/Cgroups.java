package io.pidspawn.internal.spawn;

import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_PATH;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * cgroup v2 directories for CLONE_INTO_CGROUP (Linux 5.7). The cgroup2 mount is found in
 * /proc/self/mountinfo: it is not always /sys/fs/cgroup (hybrid hosts mount it at
 * /sys/fs/cgroup/unified, and /sys/fs/cgroup may then be a plain tmpfs).
 */
public final class Cgroups {
    // linux/magic.h
    private static final long CGROUP2_SUPER_MAGIC = 0x63677270L;

    private Cgroups() {}

    /** Where cgroup2 is mounted, or null when it is not. */
    public static Path mountPoint() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // id parent major:minor root mount-point options [optional...] - fstype source super-options
                int dash = line.indexOf(" - ");
                if (dash < 0 || !line.substring(dash + 3).startsWith("cgroup2 ")) {
                    continue;
                }
                String[] fields = line.substring(0, dash).split(" ");
                if (fields.length > 4 && fields[3].equals("/")) {
                    return Path.of(unescape(fields[4]));
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Opens the cgroup a config value names: SET_STRING is a cgroup path as /proc/PID/cgroup shows
     * it ("/jobs/build-7", relative to the cgroup2 root); SET_PATH and SET_FD name the directory.
     * Anything but a cgroup2 directory is EINVAL (ENOTDIR for a non-directory).
     */
    static int open(String key, ConfigValue v) throws ConfigError {
        int fd;
        String what;
        if (v.cmd() == PIDFD_CONFIG_SET_STRING) {
            String cgroup = v.string();
            if (!cgroup.startsWith("/")) {
                throw ConfigError.of(key, Errno.EINVAL, "a cgroup path starts with /, from the cgroup2 root, as /proc/self/cgroup shows it");
            }
            Path root = mountPoint();
            if (root == null) {
                throw ConfigError.of(key, Errno.ENOENT, "no cgroup2 file system is mounted (see /proc/self/mountinfo)");
            }
            what = root + cgroup;
            fd = Libc.openat(Libc.AT_FDCWD, what, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        } else if (v.cmd() == PIDFD_CONFIG_SET_PATH) {
            what = v.path();
            fd = Libc.openat(v.dirfd(), what, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        } else {
            what = "fd " + v.aux();
            fd = ProcessAttrs.dupHeld(key, v.openFd());
        }
        if (fd < 0) {
            throw ConfigError.of(key, -fd, "cannot open " + what + " as a directory: " + ConfigError.why(-fd));
        }
        long type = Libc.fstatfsType(fd);
        if (type != CGROUP2_SUPER_MAGIC) {
            Libc.close(fd);
            throw ConfigError.of(key, type < 0 ? (int) -type : Errno.EINVAL,
                    what + " is not a cgroup2 directory" + (Cgroups.mountPoint() != null ? " (cgroup2 is mounted at " + mountPoint() + ")" : ""));
        }
        return fd;
    }

    /**
     * SIGKILLs every process in a cgroup and the cgroups below it by writing "1" to its
     * cgroup.kill (Linux 5.14).
     *
     * @throws UnsupportedOperationException when the cgroup exists but has no cgroup.kill
     * @throws ErrnoException when it cannot be opened or written (ENOENT: no such cgroup)
     */
    public static void kill(Path cgroup) throws ErrnoException {
        String file = cgroup.resolve("cgroup.kill").toString();
        int fd = Libc.openat(Libc.AT_FDCWD, file, Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        if (fd == -Errno.ENOENT && Files.isDirectory(cgroup)) {
            throw new UnsupportedOperationException("cgroup.kill (Linux 5.14) is missing in " + cgroup + ": "
                    + Errno.describe(Errno.ENOENT));
        }
        if (fd < 0) {
            throw new ErrnoException("open", -fd, file);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocateFrom("1");
            long r;
            do {
                r = Libc.write(fd, one, 1);
            } while (r == -Errno.EINTR);
            if (r < 0) {
                throw new ErrnoException("write", (int) -r, file);
            }
        } finally {
            Libc.close(fd);
        }
    }
}
