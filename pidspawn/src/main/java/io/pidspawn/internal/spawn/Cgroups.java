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

    // ---- hierarchies and small files (for the cgroups the library creates per child) ----

    /** A mounted cgroup hierarchy: v2 (controllers null) or a v1 one with its controllers. */
    public record Hierarchy(Path mountPoint, String root, java.util.Set<String> controllers) {
        public boolean v2() {
            return controllers == null;
        }
    }

    /** Every cgroup hierarchy mounted, from /proc/self/mountinfo. */
    public static java.util.List<Hierarchy> hierarchies() {
        java.util.List<Hierarchy> out = new java.util.ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash < 0) {
                    continue;
                }
                String[] after = line.substring(dash + 3).split(" ");
                String[] fields = line.substring(0, dash).split(" ");
                if (fields.length < 5 || after.length < 3) {
                    continue;
                }
                if (after[0].equals("cgroup2")) {
                    out.add(new Hierarchy(Path.of(unescape(fields[4])), unescape(fields[3]), null));
                } else if (after[0].equals("cgroup")) {
                    java.util.Set<String> ctl = new java.util.TreeSet<>();
                    for (String opt : after[2].split(",")) {
                        if (!opt.equals("rw") && !opt.equals("ro") && !opt.contains("=") && !opt.startsWith("no")
                                && !opt.equals("clone_children") && !opt.equals("xattr") && !opt.equals("cpuset_v2_mode")) {
                            ctl.add(opt);
                        }
                    }
                    out.add(new Hierarchy(Path.of(unescape(fields[4])), unescape(fields[3]), ctl));
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /**
     * This process's cgroup in each hierarchy, from /proc/self/cgroup: "" for v2 ("0::/path"),
     * else each v1 controller name mapped to the path.
     */
    public static java.util.Map<String, String> ownCgroups() {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length != 3) {
                    continue;
                }
                if (f[0].equals("0") && f[1].isEmpty()) {
                    out.put("", f[2]);
                } else {
                    for (String c : f[1].split(",")) {
                        out.put(c, f[2]);
                    }
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** The directory of cgroup {@code path} (as /proc/self/cgroup names it) in a hierarchy, or null when the mount does not show it. */
    public static Path directory(Hierarchy h, String path) {
        String root = h.root();
        if (!root.equals("/")) {
            if (!(path + "/").startsWith(root + "/")) {
                return null;
            }
            path = path.substring(root.length());
        }
        String rel = path.startsWith("/") ? path.substring(1) : path;
        return rel.isEmpty() ? h.mountPoint() : h.mountPoint().resolve(rel);
    }

    /** Writes text to a cgroup file (no create, no truncate): 0, or -errno. */
    public static int write(Path file, String text) {
        int fd = Libc.openat(Libc.AT_FDCWD, file.toString(), Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            return fd;
        }
        try (Arena a = Arena.ofConfined()) {
            byte[] b = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            MemorySegment seg = a.allocate(Math.max(1, b.length));
            MemorySegment.copy(b, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b.length);
            long r;
            do {
                r = Libc.write(fd, seg, b.length);
            } while (r == -Errno.EINTR);
            return r < 0 ? (int) r : 0;
        } finally {
            Libc.close(fd);
        }
    }

    /** A cgroup file's text, or null when it cannot be read. */
    public static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return null;
        }
    }

    /** The value of "key N" in a flat-keyed file (memory.events, cgroup.events, memory.oom_control), or -1. */
    public static long keyed(Path file, String key) {
        String text = read(file);
        if (text == null) {
            return -1;
        }
        for (String line : text.split("\n")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2 && kv[0].equals(key)) {
                try {
                    return Long.parseLong(kv[1]);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** A file holding one number ("max" is Long.MAX_VALUE), or -1. */
    public static long number(Path file) {
        String text = read(file);
        if (text == null) {
            return -1;
        }
        String t = text.trim();
        if (t.equals("max")) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * A size in bytes as the limit keys take it (memory.max, memory.swap.max): a number with an
     * optional K, M, G or T suffix (powers of 1024), as 67108864, 64M or 2G.
     *
     * @throws IllegalArgumentException saying why {@code text} is not one
     */
    public static long parseSize(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?").matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a size (such as 67108864, 64M or 2G)");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" is too large");
        }
    }
}
