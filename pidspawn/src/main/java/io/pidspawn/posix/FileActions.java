package io.pidspawn.posix;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.SpawnAction;
import java.util.ArrayList;
import java.util.List;

/**
 * posix_spawn_file_actions_t: an ordered list of fd and directory actions the child performs
 * before exec, in the order they were added.
 *
 * <pre>{@code
 * FileActions fa = new FileActions()
 *         .addopen(0, "/dev/null", PidfdSpawn.O_RDONLY, 0)
 *         .adddup2(pipeWrite, 1)
 *         .addclosefrom(3);
 * }</pre>
 *
 * As POSIX requires, a fd that is negative or not below the process's fd limit (RLIMIT_NOFILE)
 * is refused when the action is added, with EBADF. Whether a source fd is open is only known in
 * the child: an action that fails there makes posix_spawn fail with its errno, and no child is
 * left.
 */
public final class FileActions {
    private final List<SpawnAction> actions = new ArrayList<>();

    /** No actions yet: posix_spawn_file_actions_init. */
    public FileActions() {}

    /**
     * Open {@code path} with {@code oflag} and {@code mode} as if by open(), and make it fd
     * {@code fildes} (closing what was there). A relative path is resolved in the child's working
     * directory at that point, so it sees an earlier addchdir.
     *
     * @param fildes the fd the file becomes in the child
     * @param path the file; not null
     * @param oflag open flags, such as {@link io.pidspawn.uapi.PidfdSpawn#O_RDONLY}
     * @param mode the mode of a file O_CREAT creates, such as {@code 0644}
     * @return these file actions
     * @throws ErrnoException EBADF if a fd is negative or not below RLIMIT_NOFILE
     */
    public FileActions addopen(int fildes, String path, int oflag, int mode) throws ErrnoException {
        checkFd("posix_spawn_file_actions_addopen", fildes);
        if (path == null || path.isEmpty() || path.indexOf('\0') >= 0) {
            throw new ErrnoException("posix_spawn_file_actions_addopen", Errno.EINVAL, "path must be non-empty without NUL");
        }
        actions.add(new SpawnAction.Open(Libc.AT_FDCWD, path, fildes, oflag, mode));
        return this;
    }

    /**
     * Close {@code fildes}. As POSIX.1-2024 says, closing a fd that is not open in the child is
     * not an error.
     *
     * @param fildes the fd to close in the child
     * @return these file actions
     * @throws ErrnoException EBADF if a fd is negative or not below RLIMIT_NOFILE
     */
    public FileActions addclose(int fildes) throws ErrnoException {
        checkFd("posix_spawn_file_actions_addclose", fildes);
        // close_range of one fd succeeds whether or not it is open: the POSIX.1-2024 rule, exactly.
        actions.add(new SpawnAction.CloseRange(fildes, fildes, 0));
        return this;
    }

    /**
     * Duplicate {@code fildes} onto {@code newfildes} as if by dup2(). When they are equal the
     * fd's close-on-exec flag is cleared, so it survives exec (POSIX.1-2024).
     *
     * @param fildes the fd to copy
     * @param newfildes the fd it becomes in the child
     * @return these file actions
     * @throws ErrnoException EBADF if a fd is negative or not below RLIMIT_NOFILE
     */
    public FileActions adddup2(int fildes, int newfildes) throws ErrnoException {
        checkFd("posix_spawn_file_actions_adddup2", fildes);
        checkFd("posix_spawn_file_actions_adddup2", newfildes);
        actions.add(new SpawnAction.Dup2(fildes, newfildes, 0));
        return this;
    }

    /**
     * Change the working directory to {@code path} as if by chdir(); a relative path is relative to the current one.
     *
     * @param path the directory; not null
     * @return these file actions
     * @throws ErrnoException never for now; declared as the other actions are
     */
    public FileActions addchdir(String path) throws ErrnoException {
        if (path == null || path.isEmpty() || path.indexOf('\0') >= 0) {
            throw new ErrnoException("posix_spawn_file_actions_addchdir", Errno.EINVAL, "path must be non-empty without NUL");
        }
        actions.add(new SpawnAction.Chdir(path));
        return this;
    }

    /**
     * Change the working directory to the directory open at {@code fildes}, as if by fchdir().
     *
     * @param fildes a directory fd open in the child
     * @return these file actions
     * @throws ErrnoException EBADF if a fd is negative or not below RLIMIT_NOFILE
     */
    public FileActions addfchdir(int fildes) throws ErrnoException {
        checkFd("posix_spawn_file_actions_addfchdir", fildes);
        actions.add(new SpawnAction.Fchdir(fildes));
        return this;
    }

    /**
     * Make the child's process group the foreground group of the terminal open at {@code tcfd},
     * as tcsetpgrp(tcfd, getpgrp()) in the child (glibc's addtcsetpgrp_np). It runs in order with
     * the other actions, after POSIX_SPAWN_SETSID and SETPGROUP, with every signal blocked.
     *
     * @param tcfd the terminal's fd in the child
     * @return these file actions
     * @throws ErrnoException EBADF if the fd is negative or not below RLIMIT_NOFILE
     */
    public FileActions addtcsetpgrp_np(int tcfd) throws ErrnoException {
        checkFd("posix_spawn_file_actions_addtcsetpgrp_np", tcfd);
        actions.add(new SpawnAction.Tcsetpgrp(tcfd));
        return this;
    }

    /**
     * Close every fd from {@code lowfildes} up, as if by closefrom() (glibc's addclosefrom_np).
     *
     * @param lowfildes the lowest fd to close
     * @return these file actions
     * @throws ErrnoException EBADF if a fd is negative or not below RLIMIT_NOFILE
     */
    public FileActions addclosefrom(int lowfildes) throws ErrnoException {
        checkFd("posix_spawn_file_actions_addclosefrom", lowfildes);
        actions.add(new SpawnAction.CloseRange(lowfildes, -1, 0));
        return this;
    }

    boolean changesDirectory() {
        return actions.stream().anyMatch(a -> a instanceof SpawnAction.Chdir || a instanceof SpawnAction.Fchdir);
    }

    List<SpawnAction> actions() {
        return List.copyOf(actions);
    }

    private static void checkFd(String call, int fd) throws ErrnoException {
        long max = Libc.getrlimitSoft(Libc.RLIMIT_NOFILE);
        if (fd < 0 || (max > 0 && fd >= max)) {
            throw new ErrnoException(call, Errno.EBADF, "fd " + fd + " is outside 0.." + (max - 1) + " (RLIMIT_NOFILE)");
        }
    }
}
