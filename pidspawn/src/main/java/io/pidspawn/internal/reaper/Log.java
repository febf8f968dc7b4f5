package io.pidspawn.internal.reaper;

import java.lang.System.Logger.Level;

/** The library's System.Logger, {@code io.pidspawn}. */
final class Log {
    private static final System.Logger LOGGER = System.getLogger("io.pidspawn");

    private Log() {}

    /** Something that should not happen did, in library code that has no caller to throw to. */
    static void error(String what, Throwable t) {
        LOGGER.log(Level.ERROR, "pidspawn: " + what + "; please report", t);
    }

    static void warning(String message, Throwable t) {
        LOGGER.log(Level.WARNING, message, t);
    }
}
