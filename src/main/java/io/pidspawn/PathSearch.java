package io.pidspawn;

import io.pidspawn.uapi.PidfdSpawn;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Finds a command's executable, once, when the command is built. */
final class PathSearch {
    static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private PathSearch() {}

    /**
     * A name with a slash is a path, relative to this process's working directory. A bare name is
     * looked up in the child's PATH, else this process's, else {@value #DEFAULT_PATH}.
     */
    static Path resolve(String name, Map<String, String> childEnv) throws ErrnoException {
        if (name.indexOf('/') >= 0) {
            return Path.of(name).toAbsolutePath().normalize();
        }
        String path = childEnv.get("PATH");
        if (path == null) {
            path = System.getenv("PATH");
        }
        if (path == null) {
            path = DEFAULT_PATH;
        }
        boolean denied = false;
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.startsWith("/")) {
                continue; // "" and relative entries would find files in the working directory
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate)) {
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
                denied = true;
            }
        }
        throw new ErrnoException("pidfd_config " + PidfdSpawn.KEY_EXECUTABLE, denied ? Errno.EACCES : Errno.ENOENT,
                name + ": not found in PATH " + path + (denied ? " (found, but not executable)" : ""));
    }
}
