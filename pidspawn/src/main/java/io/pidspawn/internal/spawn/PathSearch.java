package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.PidfdSpawn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * execvp's PATH search, done once at config time: the first PATH entry holding a regular file
 * the caller may execute wins; entries that hold a file it may not execute (or a directory, or
 * another file that is not regular) are skipped, and are remembered so the search fails with
 * EACCES rather than ENOENT, as execvp's does. Unlike execvp, empty and
 * relative entries are skipped: a program in the working directory is never run by accident.
 * posix_spawnp, which must do exactly what glibc's does, uses {@link #execvp} instead.
 */
public final class PathSearch {
    /** Used when neither the child's environment nor pidspawn's own has a PATH. */
    public static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
    private static final int ENODEV = 19;

    private PathSearch() {}

    /** The PATH a search for a child uses: {@code childPath} if set, else pidspawn's own, else {@link #DEFAULT_PATH}. */
    public static String pathFor(String childPath) {
        String path = childPath != null ? childPath : System.getenv("PATH");
        return path != null ? path : DEFAULT_PATH;
    }

    /**
     * Where {@code name} is run from, for a child whose environment is {@code childEnv}: a name
     * with a slash is a path (made absolute against this process's working directory), a bare
     * name is searched for in {@link #pathFor the child's PATH}.
     */
    public static String resolve(String name, Map<String, String> childEnv) throws ErrnoException {
        if (name.indexOf('/') >= 0) {
            return Path.of(name).toAbsolutePath().normalize().toString();
        }
        try {
            return find(PidfdSpawn.KEY_SEARCH, name, pathFor(childEnv.get("PATH")));
        } catch (ConfigError e) {
            throw e.toException(name);
        }
    }

    /**
     * Where posix_spawnp's search for {@code name} in {@code path} ends, decided as glibc's
     * execvp in the child would, as far as this process can tell.
     *
     * @param found the first absolute candidate that execve would run by its type and mode, or null
     * @param rest the candidates after {@code found}, for the child to try in turn should its exec fail
     * @param denied whether a candidate before {@code found} was denied (EACCES)
     * @param errno the errno the search fails with, when nothing is found and none is left for the child
     * @param inChild every candidate in PATH's order, for the child to try in turn, when an empty
     *     or relative entry came first: such a candidate names a file in the directory the child
     *     is in after its file actions; else null
     */
    public record Execvp(String found, List<String> rest, boolean denied, int errno, List<String> inChild) {}

    /**
     * posix_spawnp's search: {@code name} in each entry of {@code path} in order ("" meaning the
     * working directory, as {@code name} alone), with execvp's rules: a candidate that is
     * missing (ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT) or that execve would refuse with
     * EACCES (not executable, a directory, a search permission denied) passes the turn on; any
     * other error (ELOOP, ENAMETOOLONG...) ends the search with it. With nothing found the errno
     * is EACCES if a candidate was denied, else the last candidate's.
     */
    public static Execvp execvp(String name, String path) {
        List<String> candidates = new ArrayList<>();
        for (String dir : path.split(":", -1)) {
            candidates.add(dir.isEmpty() ? name : dir + "/" + name);
        }
        boolean denied = false;
        int last = Errno.ENOENT;
        for (int i = 0; i < candidates.size(); i++) {
            String candidate = candidates.get(i);
            if (!candidate.startsWith("/")) {
                // The child tries every candidate again: the ones before this fail there as here,
                // and leave it the EACCES they were denied with.
                return new Execvp(null, List.of(), false, 0, List.copyOf(candidates));
            }
            int[] err = {0};
            FileIdentity id = FileIdentity.ofPath(Libc.AT_FDCWD, candidate, err);
            if (id == null) {
                int e = -err[0];
                if (e == Errno.EACCES) {
                    denied = true;
                } else if (e == Errno.ENOENT || e == Errno.ENOTDIR || e == Errno.ESTALE || e == ENODEV
                        || e == Errno.ETIMEDOUT) {
                    last = e;
                } else {
                    return new Execvp(null, List.of(), false, e, null);
                }
            } else if (!id.isRegular() || !Executable.executableByUs(id)) {
                denied = true; // execve answers EACCES for a directory or another non-regular file too
            } else {
                return new Execvp(candidate, List.copyOf(candidates.subList(i + 1, candidates.size())), denied, 0, null);
            }
        }
        return new Execvp(null, List.of(), false, denied ? Errno.EACCES : last, null);
    }

    static String find(String key, String name, String path) throws ConfigError {
        if (name.isEmpty() || name.indexOf('/') >= 0) {
            throw ConfigError.of(key, Errno.EINVAL, "a path, not a name to search PATH for");
        }
        int denied = 0;
        for (String dir : path.split(":", -1)) {
            if (!dir.startsWith("/")) {
                continue;
            }
            String candidate = dir + "/" + name;
            int[] err = {0};
            FileIdentity id = FileIdentity.ofPath(Libc.AT_FDCWD, candidate, err);
            if (id == null) {
                continue;
            }
            if (!id.isRegular() || !Executable.executableByUs(id)) {
                // execve answers EACCES for a directory or another non-regular file too

                denied = Errno.EACCES;
                continue;
            }
            return candidate;
        }
        throw ConfigError.of(key, denied != 0 ? denied : Errno.ENOENT,
                (denied != 0 ? "not executable" : "not found") + " in PATH=" + path);
    }
}
