package io.pidspawn;

/**
 * A setting was refused before any child existed: a bad value, a directory or file that is not
 * there, a fd that is not open, a limit only privilege may raise. The message names the setting
 * as its caller wrote it, the value, what is wrong and the errno:
 * {@code Command.Builder.cwd("/nope"): no such directory (ENOENT)} from the Java API,
 * {@code pidfd_config env "NOEQUALS": expected NAME=value (EINVAL)} from the
 * {@linkplain io.pidspawn.uapi.PidfdSpawn#pidfd_config builder UAPI}.
 *
 * <p>Whatever the API that was called, {@link #key()} is the builder key that refused the value
 * ({@code env}, {@code cwd}, {@code fd.3}, {@code rlimit.NOFILE}), as in the builder's log.
 */
public final class ConfigException extends ErrnoException {
    private static final long serialVersionUID = 1L;

    /** The builder key, such as {@code cwd}. */
    private final String key;
    /** The value as the builder got it, or null for a flag or a binary list. */
    private final String value;
    /** What is wrong, and what to do where that is not obvious. */
    private final String problem;
    /** Who set it, in the caller's terms: {@code pidfd_config cwd "/nope"} or {@code --cwd /nope}. */
    private final String setting;

    /**
     * A refusal by the builder UAPI.
     *
     * @param key the builder key, such as {@code env}
     * @param value the value as configured ({@code fd N} for a fd), or null for none (a flag) or a list
     * @param errno the errno, such as {@link Errno#EINVAL}
     * @param problem what is wrong, without repeating the value: {@code expected NAME=value}
     */
    public ConfigException(String key, String value, int errno, String problem) {
        this(key, value, errno, problem, "pidfd_config " + key + (value == null ? ""
                : " " + (value.matches("fd -?[0-9]+") ? value : quote(value))), null);
    }

    private ConfigException(String key, String value, int errno, String problem, String setting, ConfigException cause) {
        super(errno, setting + ": " + problem + " (" + Errno.name(errno) + ")");
        this.key = key;
        this.value = value;
        this.problem = problem;
        this.setting = setting;
        if (cause != null) {
            initCause(cause);
            setStackTrace(cause.getStackTrace());
        }
    }

    /**
     * The same refusal told in the words of an API on top of the builder: the setting as its
     * caller wrote it replaces {@code pidfd_config KEY "VALUE"} at the start of the message,
     * and this exception becomes the cause.
     *
     * @param setting the method or option with its value, such as {@code --env NOEQUALS}
     * @return a new exception with the same key, value, errno and problem
     */
    public ConfigException restate(String setting) {
        return new ConfigException(key, value, errno(), problem, setting, this);
    }

    /**
     * The builder key that refused the value, as {@link io.pidspawn.uapi.PidfdSpawn#pidfd_config}
     * takes it and the builder's log names it.
     *
     * @return the key, such as {@code env}, {@code fd.3} or {@code rlimit.NOFILE}
     */
    public String key() {
        return key;
    }

    /**
     * The value the builder refused, as text.
     *
     * @return the value, {@code fd N} for a fd, or null for a flag or a list
     */
    public String value() {
        return value;
    }

    /**
     * What is wrong with the value, without the setting or the errno.
     *
     * @return the problem, such as {@code expected NAME=value}
     */
    public String problem() {
        return problem;
    }

    /**
     * The setting as the message names it.
     *
     * @return {@code pidfd_config KEY "VALUE"}, or what {@link #restate} was given
     */
    public String setting() {
        return setting;
    }

    /** A value as a Java string literal would show it, so spaces and empty values are visible. */
    static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
