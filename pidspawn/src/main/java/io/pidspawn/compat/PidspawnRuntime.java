package io.pidspawn.compat;

import java.io.File;
import java.io.IOException;
import java.util.StringTokenizer;

/**
 * {@link Runtime#exec}'s six forms, starting processes through pidspawn: change
 * {@code Runtime.getRuntime().exec(...)} to {@code PidspawnRuntime.exec(...)}.
 *
 * <pre>{@code
 * Process p = PidspawnRuntime.exec(new String[] {"make", "install"}, new String[] {"DESTDIR=/tmp/stage"},
 *         new File("/src/app"));
 * }</pre>
 *
 * As in the JDK, a command string is split at whitespace (no quoting: a {@link StringTokenizer});
 * an empty one is IllegalArgumentException {@code Empty command}. The environment strings are
 * taken as the JDK takes them: each cut at a NUL and split at its first {@code =}, a later one of
 * the same name winning, one without {@code =} ignored; null gives the child this process's
 * environment. Everything else is {@link PidspawnProcessBuilder#start()}.
 */
public final class PidspawnRuntime {
    private PidspawnRuntime() {}

    /**
     * As {@link Runtime#exec(String)}: the command split at whitespace, this process's environment and directory.
     *
     * @param command the command line, split at whitespace
     * @return the started process
     * @throws IOException as {@link Runtime#exec(String[], String[], File)} throws it: the program cannot be started
     */
    public static Process exec(String command) throws IOException {
        return exec(command, null, null);
    }

    /**
     * As {@link Runtime#exec(String, String[])}.
     *
     * @param command the command line, split at whitespace
     * @param envp the environment as {@code NAME=value} strings, or null for this process's
     * @return the started process
     * @throws IOException as {@link Runtime#exec(String[], String[], File)} throws it: the program cannot be started
     */
    public static Process exec(String command, String[] envp) throws IOException {
        return exec(command, envp, null);
    }

    /**
     * As {@link Runtime#exec(String, String[], File)}.
     *
     * @param command the command line, split at whitespace
     * @param envp the environment as {@code NAME=value} strings, or null for this process's
     * @param dir the working directory, or null for this process's
     * @return the started process
     * @throws IOException as {@link Runtime#exec(String[], String[], File)} throws it: the program cannot be started
     */
    public static Process exec(String command, String[] envp, File dir) throws IOException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("Empty command");
        }
        StringTokenizer words = new StringTokenizer(command);
        String[] cmdarray = new String[words.countTokens()];
        for (int i = 0; words.hasMoreTokens(); i++) {
            cmdarray[i] = words.nextToken();
        }
        return exec(cmdarray, envp, dir);
    }

    /**
     * As {@link Runtime#exec(String[])}.
     *
     * @param cmdarray the program and its arguments
     * @return the started process
     * @throws IOException as {@link Runtime#exec(String[], String[], File)} throws it: the program cannot be started
     */
    public static Process exec(String[] cmdarray) throws IOException {
        return exec(cmdarray, null, null);
    }

    /**
     * As {@link Runtime#exec(String[], String[])}.
     *
     * @param cmdarray the program and its arguments
     * @param envp the environment as {@code NAME=value} strings, or null for this process's
     * @return the started process
     * @throws IOException as {@link Runtime#exec(String[], String[], File)} throws it: the program cannot be started
     */
    public static Process exec(String[] cmdarray, String[] envp) throws IOException {
        return exec(cmdarray, envp, null);
    }

    /**
     * As {@link Runtime#exec(String[], String[], File)}.
     *
     * @param cmdarray the program and its arguments
     * @param envp the environment as {@code NAME=value} strings, or null for this process's
     * @param dir the working directory, or null for this process's
     * @return the started process
     * @throws IOException as {@link Runtime#exec(String[], String[], File)} throws it: the program cannot be started
     */
    public static Process exec(String[] cmdarray, String[] envp, File dir) throws IOException {
        return new PidspawnProcessBuilder(cmdarray).environment(envp).directory(dir).start();
    }
}
