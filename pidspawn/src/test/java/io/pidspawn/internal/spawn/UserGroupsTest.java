package io.pidspawn.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.Errno;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** initgroups as read from passwd(5) and group(5) files, malformed lines and all. */
class UserGroupsTest {
    @TempDir
    Path tmp;

    private Path file(String name, String text) throws Exception {
        return Files.writeString(tmp.resolve(name), text);
    }

    @Test
    void primaryGroupFirstThenEveryGroupListingTheUserInFileOrder() throws Exception {
        Path passwd = file("passwd", """
                root:x:0:0:root:/root:/bin/sh
                # a comment
                +nis-compat
                alice:x:1000:1000::/home/alice:/bin/sh
                alias:x:1000:1001::/home/alias:/bin/sh
                """);
        Path group = file("group", """
                root:x:0:
                audio:x:29:bob,alice
                broken line
                video:x:44: alice ,carol
                alicex:x:50:alicex
                empty:x:60:
                bad:x:notanumber:alice
                users:x:100:alice
                """);
        assertThat(UserGroups.of("k", 1000, -1, passwd, group)).containsExactly(1000, 29, 44, 100);
        // A gid given replaces the passwd one as the primary group; a repeated group appears once.
        assertThat(UserGroups.of("k", 1000, 44, passwd, group)).containsExactly(44, 29, 100);
        assertThat(UserGroups.of("k", 0, -1, passwd, group)).containsExactly(0);
    }

    @Test
    void aUidWithoutEntryOrMissingFilesAreENOENT() throws Exception {
        Path passwd = file("passwd", "root:x:0:0:root:/root:/bin/sh\n");
        Path group = file("group", "root:x:0:\n");
        assertThatThrownBy(() -> UserGroups.of("uid", 7, -1, passwd, group))
                .isInstanceOfSatisfying(ConfigError.class, e -> {
                    assertThat(e.errno).isEqualTo(Errno.ENOENT);
                    assertThat(e.key).isEqualTo("uid");
                    assertThat(e.problem).startsWith("uid 7 has no entry in ");
                });
        assertThatThrownBy(() -> UserGroups.of("uid", 0, -1, tmp.resolve("none"), group))
                .isInstanceOfSatisfying(ConfigError.class, e -> assertThat(e.errno).isEqualTo(Errno.ENOENT));
    }
}
