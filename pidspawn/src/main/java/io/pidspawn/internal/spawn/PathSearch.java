package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.PidfdSpawn;
import java.nio.file.Path;
import java.util.Map;

/**
 * execvp's PATH search, done once at config time: the first PATH entry holding a regular file
 * the caller may execute wins; entries that hold a file it may not execute (or a directory, or
 * another file that is not regular) are skipped, and are remembered so the search fails with
 * EACCES rather than ENOENT, as execvp's does. Unlike execvp, empty and
 * relative entries are skipped: a program in the working directory is never run by accident.
 */
public final class PathSearch {
    /** Used when neither the child's environment nor pidspawn's own has a PATH. */
    public static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

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
