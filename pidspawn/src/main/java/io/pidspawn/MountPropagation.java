package io.pidspawn;

import java.util.Locale;

/**
 * How the mounts of a child's new mount namespace ({@link Namespace#MOUNT}) propagate, set on
 * every mount ({@code mount("/", MS_REC|MS_...)}) before any other set-up step. A new mount
 * namespace starts with copies of the parent's mounts, each in its original's peer group: where
 * the parent's mounts are shared (systemd makes {@code /} shared), a mount the child made would
 * appear in the parent's namespace too. {@link #PRIVATE} is the default, as for unshare(1).
 */
public enum MountPropagation {
    /** No propagation in either direction (MS_PRIVATE): the default. */
    PRIVATE,
    /** The parent's new mounts still reach the child, the child's never reach the parent (MS_SLAVE). */
    SLAVE,
    /** Mounts propagate both ways with the parent's shared mounts' peers (MS_SHARED). */
    SHARED,
    /** The copied mounts stay in the peer groups they were copied from: no step is run. */
    UNCHANGED;

    /**
     * The value the {@code mount-propagation} builder key takes, as {@code private}.
     *
     * @return the key's value, in lower case
     */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
