package io.pidspawn.internal.spawn;

import io.pidspawn.ConfigException;

/**
 * A refused pidfd_config call, inside the builder: it carries the key, the errno and the problem,
 * and {@link Builder} turns it into the public {@link ConfigException} with the value added (and
 * its line in the builder's log). Not an ErrnoException, so that it cannot leave the package
 * unnoticed.
 */
final class ConfigError extends Exception {
    private static final long serialVersionUID = 1L;

    final String key;
    final int errno;
    final String problem;

    private ConfigError(String key, int errno, String problem) {
        super(key + ": " + problem, null, false, false);
        this.key = key;
        this.errno = errno;
        this.problem = problem;
    }

    static ConfigError of(String key, int errno, String problem) {
        return new ConfigError(key, errno, problem);
    }

    /** The errno in words for a problem: {@code no such file or directory}. */
    static String why(int errno) {
        String d = io.pidspawn.Errno.description(errno);
        return d.isEmpty() ? d : Character.toLowerCase(d.charAt(0)) + d.substring(1);
    }

    /** The public exception for this refusal of value (null for none). */
    ConfigException toException(String value) {
        return new ConfigException(key, value, errno, problem);
    }
}
