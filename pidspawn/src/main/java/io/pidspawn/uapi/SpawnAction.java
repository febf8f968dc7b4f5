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
    /**
     * A short description for error messages: {@code dup2 fd 7 -> 1}.
     *
     * @return the description, such as {@code close fd 5}
     */
    String describe();

    /**
     * close(fd).
     *
     * @param fd the fd to close in the child
     */
    record Close(int fd) implements SpawnAction {
        public String describe() {
            return "close fd " + fd;
        }
    }

    /**
     * dup3(fd, newfd, flags); flags may only be O_CLOEXEC. fd == newfd clears close-on-exec.
     *
     * @param fd the fd to copy
     * @param newfd the fd it becomes
     * @param flags 0 or {@link PidfdSpawn#O_CLOEXEC}
     */
    record Dup2(int fd, int newfd, int flags) implements SpawnAction {
        public String describe() {
            return "dup2 fd " + fd + " -> " + newfd;
        }
    }

    /**
     * openat(dirfd, path, flags, mode), placed at newfd.
     *
     * @param dirfd the directory a relative path is relative to, or {@link PidfdSpawn#AT_FDCWD}
     * @param path the file
     * @param newfd the fd the file becomes
     * @param flags open flags, such as {@link PidfdSpawn#O_RDONLY}
     * @param mode the mode of a file O_CREAT creates
     */
    record Open(int dirfd, String path, int newfd, int flags, int mode) implements SpawnAction {
        public String describe() {
            return "open " + path + " as fd " + newfd;
        }
    }

    /**
     * fchdir(fd).
     *
     * @param fd a directory fd open in the child
     */
    record Fchdir(int fd) implements SpawnAction {
        public String describe() {
            return "fchdir fd " + fd;
        }
    }

    /**
     * chdir(path); a relative path is relative to the child's working directory at that point.
     *
     * @param path the directory
     */
    record Chdir(String path) implements SpawnAction {
        public String describe() {
            return "chdir " + path;
        }
    }

    /**
     * close_range(first, last, flags); last -1 means up to the highest possible fd.
     *
     * @param first the lowest fd to close
     * @param last the highest, or -1 for no limit
     * @param flags 0, {@link PidfdSpawn#CLOSE_RANGE_CLOEXEC} or {@link PidfdSpawn#CLOSE_RANGE_UNSHARE}
     */
    record CloseRange(int first, int last, int flags) implements SpawnAction {
        public String describe() {
            return "close_range " + first + ".." + (last == -1 ? "max" : Integer.toString(last));
        }
    }

    /**
     * The signal mask the program starts with (SIGKILL and SIGSTOP cannot be blocked).
     *
     * @param set the mask as a kernel sigset, bit {@code sig - 1} for each signal
     */
    record Sigmask(long set) implements SpawnAction {
        public String describe() {
            return "sigmask " + Long.toHexString(set);
        }
    }

    /**
     * Reset every signal in the set to SIG_DFL (SIGKILL and SIGSTOP are skipped).
     *
     * @param set the signals as a kernel sigset
     */
    record Sigdefault(long set) implements SpawnAction {
        public String describe() {
            return "sigdefault " + Long.toHexString(set);
        }
    }

    /**
     * setpgid(0, pgid) for this run: 0 makes the child the leader of a new process group. pidspawn's
     * own action (the proposal has it as a builder attribute only), so that one template can start
     * children that lead their own group, as {@code output()} does, and children that do not.
     *
     * @param pgid the group to join, or 0 for a group of its own
     */
    record Setpgid(int pgid) implements SpawnAction {
        public String describe() {
            return pgid == 0 ? "setpgid to its own group" : "setpgid " + pgid;
        }
    }

    /**
     * tcsetpgrp(fd, getpgrp()): the child's process group becomes the foreground group of the terminal at fd.
     *
     * @param fd the terminal's fd in the child
     */
    record Tcsetpgrp(int fd) implements SpawnAction {
        public String describe() {
            return "tcsetpgrp fd " + fd;
        }
    }

    /**
     * setpgid(0, pgid): see {@link Setpgid}.
     *
     * @param pgid the group to join, or 0 for a group of its own
     * @return the action
     */
    static SpawnAction setpgid(int pgid) {
        return new Setpgid(pgid);
    }

    /**
     * close(fd).
     *
     * @param fd the fd to close
     * @return the action
     */
    static SpawnAction close(int fd) {
        return new Close(fd);
    }

    /**
     * dup2(fd, newfd); when they are equal, clears close-on-exec.
     *
     * @param fd the fd to copy
     * @param newfd the fd it becomes
     * @return the action
     */
    static SpawnAction dup2(int fd, int newfd) {
        return new Dup2(fd, newfd, 0);
    }

    /**
     * Opens path (relative to the working directory at that point) as fd newfd.
     *
     * @param newfd the fd the file becomes
     * @param path the file
     * @param flags open flags, such as {@link PidfdSpawn#O_WRONLY} | {@link PidfdSpawn#O_CREAT}
     * @param mode the mode of a file O_CREAT creates, such as {@code 0644}
     * @return the action
     */
    static SpawnAction open(int newfd, String path, int flags, int mode) {
        return new Open(PidfdSpawn.AT_FDCWD, path, newfd, flags, mode);
    }

    /**
     * fchdir(fd).
     *
     * @param fd a directory fd open in the child
     * @return the action
     */
    static SpawnAction fchdir(int fd) {
        return new Fchdir(fd);
    }

    /**
     * chdir(path).
     *
     * @param path the directory
     * @return the action
     */
    static SpawnAction chdir(String path) {
        return new Chdir(path);
    }

    /**
     * close_range(first, last, 0).
     *
     * @param first the lowest fd to close
     * @param last the highest, or -1 for no limit
     * @return the action
     */
    static SpawnAction closeRange(int first, int last) {
        return new CloseRange(first, last, 0);
    }

    /**
     * The program starts with exactly these signals blocked.
     *
     * @param signals signal numbers, 1 to {@link Signals#MAX}
     * @return the action
     * @throws IllegalArgumentException if a number is no signal
     */
    static SpawnAction sigmask(int... signals) {
        return new Sigmask(set(signals));
    }

    /**
     * These signals are reset to SIG_DFL.
     *
     * @param signals signal numbers, 1 to {@link Signals#MAX}
     * @return the action
     * @throws IllegalArgumentException if a number is no signal
     */
    static SpawnAction sigdefault(int... signals) {
        return new Sigdefault(set(signals));
    }

    /**
     * A kernel sigset from signal numbers.
     *
     * @param signals signal numbers, 1 to {@link Signals#MAX}
     * @return the set, bit {@code sig - 1} for each
     * @throws IllegalArgumentException if a number is no signal
     */
    static long set(int... signals) {
        long set = 0;
        for (int s : signals) {
            set |= Signals.bit(s);
        }
        return set;
    }
}
