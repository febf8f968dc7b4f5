package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.PidfdSpawn;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One pidfd_config call's value, checked against what its command and key require. */
record ConfigValue(String key, int cmd, byte[] bytes, int aux) {
    void expect(int... commands) throws ConfigError {
        for (int c : commands) {
            if (c == cmd) {
                checkShape();
                return;
            }
        }
        throw ConfigError.of(key, Errno.EINVAL, "command " + PidfdSpawn.commandName(cmd) + " does not apply to this key");
    }

    private void checkShape() throws ConfigError {
        boolean wantsValue = cmd == PidfdSpawn.PIDFD_CONFIG_SET_STRING || cmd == PidfdSpawn.PIDFD_CONFIG_SET_BINARY
                || cmd == PidfdSpawn.PIDFD_CONFIG_SET_PATH;
        if (wantsValue && bytes == null) {
            throw ConfigError.of(key, Errno.EINVAL, PidfdSpawn.commandName(cmd) + " needs a value");
        }
        if (!wantsValue && bytes != null && bytes.length > 0) {
            throw ConfigError.of(key, Errno.EINVAL, PidfdSpawn.commandName(cmd) + " takes no value");
        }
        if (cmd == PidfdSpawn.PIDFD_CONFIG_SET_FLAG && aux != 0) {
            throw ConfigError.of(key, Errno.EINVAL, "SET_FLAG takes aux 0");
        }
        if (bytes != null && cmd != PidfdSpawn.PIDFD_CONFIG_SET_BINARY) {
            for (byte b : bytes) {
                if (b == 0) {
                    throw ConfigError.of(key, Errno.EINVAL, "value contains a NUL byte");
                }
            }
        }
        int max = cmd == PidfdSpawn.PIDFD_CONFIG_SET_PATH ? ArgLimits.MAX_PATH : ArgLimits.MAX_STRING;
        if (cmd == PidfdSpawn.PIDFD_CONFIG_SET_BINARY) {
            max = 64 << 20;
        }
        if (bytes != null && bytes.length >= max) {
            throw ConfigError.of(key, Errno.E2BIG, "value of " + bytes.length + " bytes; the limit is " + (max - 1));
        }
    }

    String string() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    String absolutePath() throws ConfigError {
        String p = string();
        if (!p.startsWith("/")) {
            throw ConfigError.of(key, Errno.EINVAL, "a relative path where an absolute one is required");
        }
        if (bytes.length >= ArgLimits.MAX_PATH) {
            throw ConfigError.of(key, Errno.E2BIG, "path of " + bytes.length + " bytes; the limit is " + (ArgLimits.MAX_PATH - 1));
        }
        return p;
    }

    String path() throws ConfigError {
        String p = string();
        if (p.isEmpty()) {
            throw ConfigError.of(key, Errno.EINVAL, "empty path (use SET_PATH_EMPTY or SET_FD for a fd)");
        }
        return p;
    }

    int dirfd() throws ConfigError {
        if (aux == Libc.AT_FDCWD) {
            return aux;
        }
        return openFd();
    }

    int openFd() throws ConfigError {
        if (aux < 0) {
            throw ConfigError.of(key, Errno.EBADF, cmd == PidfdSpawn.PIDFD_CONFIG_SET_FD ? "a negative fd" : "fd " + aux + " is negative");
        }
        if (Libc.fdFlags(aux) < 0) {
            throw ConfigError.of(key, Errno.EBADF, cmd == PidfdSpawn.PIDFD_CONFIG_SET_FD ? "not open" : "fd " + aux + " is not open");
        }
        return aux;
    }

    int targetFd(String number) throws ConfigError {
        int target;
        try {
            target = Integer.parseInt(number);
        } catch (NumberFormatException e) {
            throw ConfigError.of(key, Errno.EINVAL, "\"" + number + "\" is not a fd number");
        }
        if (!number.equals(Integer.toString(target))) {
            throw ConfigError.of(key, Errno.EINVAL, "\"" + number + "\" is not a fd number in canonical form");
        }
        long max = Libc.getrlimitSoft(Libc.RLIMIT_NOFILE);
        if (target < 0 || (max > 0 && target >= max)) {
            throw ConfigError.of(key, Errno.EBADF, "child fd " + target + " is outside 0.." + (max - 1) + " (RLIMIT_NOFILE)");
        }
        return target;
    }

    /** A NUL-separated list (each element NUL-terminated, like /proc/PID/cmdline). */
    List<String> list() throws ConfigError {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                if (i - start >= ArgLimits.MAX_STRING) {
                    throw ConfigError.of(key, Errno.E2BIG, "element " + out.size() + " exceeds " + (ArgLimits.MAX_STRING - 1) + " bytes");
                }
                out.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start != bytes.length) {
            throw ConfigError.of(key, Errno.EINVAL, "a SET_BINARY list ends each element with a NUL byte");
        }
        return out;
    }

    String envName(String entry) throws ConfigError {
        int eq = entry.indexOf('='); // 0: the empty name, which exec passes like any other
        if (eq < 0) {
            String problem = "expected NAME=value";
            throw ConfigError.of(key, Errno.EINVAL, cmd == PidfdSpawn.PIDFD_CONFIG_SET_STRING
                    ? problem : "environment entry \"" + entry + "\": " + problem);
        }
        return entry.substring(0, eq);
    }

    String envNameAlone() throws ConfigError {
        String name = string();
        if (name.isEmpty() || name.indexOf('=') >= 0) {
            throw ConfigError.of(key, Errno.EINVAL, "not an environment variable name (one without '=', not empty)");
        }
        return name;
    }

    /** A decimal integer within [min, max]. */
    long integer(long min, long max) throws ConfigError {
        String text = string().trim();
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ConfigError.of(key, Errno.EINVAL, "expected a number");
        }
        if (n < min || n > max) {
            throw ConfigError.of(key, Errno.EINVAL, "outside " + min + ".." + max);
        }
        return n;
    }

    /** A comma-separated list of signal names or numbers as a kernel sigset; "" is the empty set. */
    long signalSet() throws ConfigError {
        long set = 0;
        for (String name : string().split(",")) {
            if (!name.isBlank()) {
                set |= io.pidspawn.Signals.bit(signal(name));
            }
        }
        return set;
    }

    int signal(String name) throws ConfigError {
        try {
            return io.pidspawn.Signals.parse(name);
        } catch (IllegalArgumentException e) {
            throw ConfigError.of(key, Errno.EINVAL, e.getMessage());
        }
    }
}
