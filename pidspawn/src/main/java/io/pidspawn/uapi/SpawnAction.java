package io.pidspawn.uapi;

import io.pidspawn.Signals;

/**
 * One per-run child set-up step, applied in order after the builder's own configuration and
 * before exec: the actions of the spawn-template proposal, plus CHDIR.
 *
 * <pre>{@code
 * List<SpawnAction> actions = List.of(
 *         SpawnAction.fchdir(worktreeFd),
 *         SpawnAction.dup2(outWrite, 1),
 *         SpawnAction.dup2(errWrite, 2));
 * }</pre>
 *
 * A fd that an action places in the child (DUP2, OPEN) stays open across exec even when the
 * builder closes every other fd above 2.
 */
public sealed interface SpawnAction {
    /** A short description for error messages: {@code dup2 fd 7 -> 1}. */
    String describe();

    /** close(fd). */
    record Close(int fd) implements SpawnAction {
        public String describe() {
            return "close fd " + fd;
        }
    }

    /** dup3(fd, newfd, flags); flags may only be O_CLOEXEC. fd == newfd clears close-on-exec. */
    record Dup2(int fd, int newfd, int flags) implements SpawnAction {
        public String describe() {
            return "dup2 fd " + fd + " -> " + newfd;
        }
    }

    /** openat(dirfd, path, flags, mode), placed at newfd. */
    record Open(int dirfd, String path, int newfd, int flags, int mode) implements SpawnAction {
        public String describe() {
            return "open " + path + " as fd " + newfd;
        }
    }

    /** fchdir(fd). */
    record Fchdir(int fd) implements SpawnAction {
        public String describe() {
            return "fchdir fd " + fd;
        }
    }

    /** chdir(path); a relative path is relative to the child's working directory at that point. */
    record Chdir(String path) implements SpawnAction {
        public String describe() {
            return "chdir " + path;
        }
    }

    /** close_range(first, last, flags); last -1 means up to the highest possible fd. */
    record CloseRange(int first, int last, int flags) implements SpawnAction {
        public String describe() {
            return "close_range " + first + ".." + (last == -1 ? "max" : Integer.toString(last));
        }
    }

    /** The signal mask the program starts with (SIGKILL and SIGSTOP cannot be blocked). */
    record Sigmask(long set) implements SpawnAction {
        public String describe() {
            return "sigmask " + Long.toHexString(set);
        }
    }

    /** Reset every signal in the set to SIG_DFL (SIGKILL and SIGSTOP are skipped). */
    record Sigdefault(long set) implements SpawnAction {
        public String describe() {
            return "sigdefault " + Long.toHexString(set);
        }
    }

    /**
     * setpgid(0, pgid) for this run: 0 makes the child the leader of a new process group. pidspawn's
     * own action (the proposal has it as a builder attribute only), so that one template can start
     * children that lead their own group, as {@code output()} does, and children that do not.
     */
    record Setpgid(int pgid) implements SpawnAction {
        public String describe() {
            return pgid == 0 ? "setpgid to its own group" : "setpgid " + pgid;
        }
    }

    /**
     * setsid() for this run: the child leads a new session and process group. pidspawn's own
     * action, as {@link Setpgid}, so that a pty child gets its session per run.
     */
    record Setsid() implements SpawnAction {
        public String describe() {
            return "setsid";
        }
    }

    /** ioctl(fd, TIOCSCTTY, 0) for this run: the terminal at fd becomes the controlling one (after {@link Setsid}). */
    record ControllingTerminal(int fd) implements SpawnAction {
        public String describe() {
            return "set controlling terminal fd " + fd + " (TIOCSCTTY)";
        }
    }

    static SpawnAction setsid() {
        return new Setsid();
    }

    static SpawnAction controllingTerminal(int fd) {
        return new ControllingTerminal(fd);
    }

    static SpawnAction setpgid(int pgid) {
        return new Setpgid(pgid);
    }

    static SpawnAction close(int fd) {
        return new Close(fd);
    }

    static SpawnAction dup2(int fd, int newfd) {
        return new Dup2(fd, newfd, 0);
    }

    static SpawnAction open(int newfd, String path, int flags, int mode) {
        return new Open(PidfdSpawn.AT_FDCWD, path, newfd, flags, mode);
    }

    static SpawnAction fchdir(int fd) {
        return new Fchdir(fd);
    }

    static SpawnAction chdir(String path) {
        return new Chdir(path);
    }

    static SpawnAction closeRange(int first, int last) {
        return new CloseRange(first, last, 0);
    }

    static SpawnAction sigmask(int... signals) {
        return new Sigmask(set(signals));
    }

    static SpawnAction sigdefault(int... signals) {
        return new Sigdefault(set(signals));
    }

    /** A kernel sigset from signal numbers. */
    static long set(int... signals) {
        long set = 0;
        for (int s : signals) {
            set |= Signals.bit(s);
        }
        return set;
    }
}
