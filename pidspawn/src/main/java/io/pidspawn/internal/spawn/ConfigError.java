package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;

/** A refused pidfd_config call; its message is also the line appended to the builder's log. */
final class ConfigError extends ErrnoException {
    private static final long serialVersionUID = 1L;

    private final String logLine;

    private ConfigError(String key, int errno, String message) {
        super("pidfd_config " + key, errno, message);
        this.logLine = "e " + key + ": " + message + " (" + Errno.name(errno) + ")";
    }

    static ConfigError of(String key, int errno, String message) {
        return new ConfigError(key, errno, message);
    }

    /** The line in the builder's log, fsconfig style: {@code e cwd: /nope: no such directory (ENOENT)}. */
    String logLine() {
        return logLine;
    }
}
