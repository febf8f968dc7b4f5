package io.pidspawn.compat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the program as the JDK's child does with its execvpe, but in this process, before the
 * spawn: a name with a slash is a path (relative to the directory the child starts in); a bare
 * name is looked up in this process's PATH, where an empty entry means the directory the child
 * starts in and a relative entry is relative to it. An entry holding a file that cannot be run
 * (a directory, no execute permission) is skipped, and the search fails with EACCES if nothing
 * better is found, else ENOENT.
 */
final class ProgramLookup {
    /** The JDK's search path when PATH is unset. */
    static final String DEFAULT_PATH = ":/bin:/usr/bin";

    private ProgramLookup() {}

    /**
     * The program as the JDK's child names it when it execs: relative (to base) where the name or
     * the PATH entry it was found through is, so a {@code #!} script sees that as {@code $0}.
     *
     * @param base the directory the child starts in, absolute
     */
    static Path find(String program, Path base) throws ErrnoException {
        if (program.isEmpty()) {
            // execvp("") is ENOENT; searching would find each PATH directory itself (EACCES)
            throw new ErrnoException("exec", Errno.ENOENT, "empty program name");
        }
        if (program.indexOf('/') >= 0) {
            return Path.of(program);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            path = DEFAULT_PATH;
        }
        boolean denied = false;
        for (String entry : path.split(":", -1)) {
            Path named = Path.of(entry).resolve(program);
            Path candidate = base.resolve(named);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return named;
            }
            denied |= Files.exists(candidate); // execve would say EACCES, and the search goes on
        }
        throw new ErrnoException("exec", denied ? Errno.EACCES : Errno.ENOENT, program + " in PATH " + path);
    }
}
