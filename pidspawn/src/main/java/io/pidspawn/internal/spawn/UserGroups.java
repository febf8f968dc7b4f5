package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The supplementary groups initgroups(3) would give a user, read from the files themselves
 * (passwd(5), group(5)): the user is the first passwd entry with the uid, and the groups are
 * its primary group followed by every group whose member list names it, in file order.
 * Only the files are read, never other NSS sources (LDAP, sssd): what this computes is what a
 * system with {@code passwd: files} and {@code group: files} would.
 */
final class UserGroups {
    static final Path PASSWD = Path.of("/etc/passwd");
    static final Path GROUP = Path.of("/etc/group");

    private UserGroups() {}

    /** The groups of uid's user; gid, when not -1, replaces its passwd group as the primary one. */
    static int[] of(String key, int uid, int gid) throws ConfigError {
        return of(key, uid, gid, PASSWD, GROUP);
    }

    static int[] of(String key, int uid, int gid, Path passwd, Path group) throws ConfigError {
        String name = null;
        int primary = -1;
        for (String line : lines(key, passwd)) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && parseId(f[2]) == uid && parseId(f[3]) != -1) {
                name = f[0];
                primary = parseId(f[3]);
                break;
            }
        }
        if (name == null) {
            throw ConfigError.of(key, Errno.ENOENT, "uid " + Integer.toUnsignedString(uid) + " has no entry in " + passwd
                    + ", so it has no groups to take");
        }
        Set<Integer> groups = new LinkedHashSet<>();
        groups.add(gid != -1 ? gid : primary);
        for (String line : lines(key, group)) {
            String[] f = line.split(":", -1);
            if (f.length < 4 || parseId(f[2]) == -1 || f[3].isEmpty()) {
                continue;
            }
            for (String member : f[3].split(",")) {
                if (member.trim().equals(name)) {
                    groups.add(parseId(f[2]));
                    break;
                }
            }
        }
        if (groups.size() > 65536) {
            throw ConfigError.of(key, Errno.EINVAL, "user " + name + " is in " + groups.size() + " groups; NGROUPS_MAX is 65536");
        }
        return groups.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The file's entries: no blank lines, comments, or NIS compat lines (+/-), which only NSS understands. */
    private static List<String> lines(String key, Path file) throws ConfigError {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.startsWith("+") && !l.startsWith("-"))
                    .toList();
        } catch (NoSuchFileException e) {
            throw ConfigError.of(key, Errno.ENOENT, file + ": missing, so no user's groups can be read");
        } catch (IOException e) {
            throw ConfigError.of(key, Errno.EIO, file + ": " + e.getMessage());
        }
    }

    /** A decimal id, or -1 for anything else (-1 is no id: the kernel reads it as "unchanged"). */
    private static int parseId(String text) {
        try {
            long id = Long.parseLong(text.trim());
            return id >= 0 && id < 0xffffffffL ? (int) id : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
