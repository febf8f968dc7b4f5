package io.pidspawn.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program found through a relative or empty PATH entry, or named by a relative path, with and
 * without {@code directory()}: the JDK's child changes to the directory first and then execs the
 * relative name, so the entry is relative to {@code directory()} and a {@code #!} script sees
 * the relative name as {@code $0}. The facade must do the same: both run side by side in a JVM
 * started with such a PATH ({@link RelativePathEntries}).
 */
class RelativePathEntryTest {
    @TempDir
    Path tmp;

    private static void script(Path file, String body) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void relativeEntriesAreRelativeToTheDirectoryTheChildStartsInAndScriptsSeeTheRelativeName() throws Exception {
        Path a = Files.createDirectory(tmp.resolve("A"));
        Path b = Files.createDirectory(tmp.resolve("B"));
        String echo = "#!/bin/sh\necho %s \"$0\" \"$(pwd)\"\n";
        script(a.resolve("dir1/prog"), echo.formatted("A"));
        script(b.resolve("dir1/prog"), echo.formatted("B"));
        script(b.resolve("dir1/only-in-b"), echo.formatted("B"));
        script(b.resolve("top"), echo.formatted("B-top"));
        script(a.resolve("top"), echo.formatted("A-top"));
        script(b.resolve("rel.sh"), echo.formatted("B-rel"));
        script(b.resolve("dir1/no-shebang"), "echo sh \"$0\" \"$(pwd)\"\n");
        List<String> cases = List.of("prog", "prog@" + b, "only-in-b", "only-in-b@" + b, "top", "top@" + b, "./rel.sh@" + b,
                "dir1/prog@" + b, "no-shebang@" + b);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RelativePathEntries.class.getName()));
        command.addAll(cases);
        ProcessBuilder pb = new ProcessBuilder(command).directory(a.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", "dir1::/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        Map<String, String> jdk = new LinkedHashMap<>();
        Map<String, String> ours = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            int sep = line.indexOf(": ");
            String key = line.substring(0, sep);
            (key.endsWith(" JDK") ? jdk : ours).put(key.substring(0, key.lastIndexOf(' ')), line.substring(sep + 2));
        }
        assertThat(ours).as(out).isEqualTo(jdk);
        // What the JDK does, so that a change on either side shows here.
        String bReal = b.toRealPath().toString();
        assertThat(jdk.get("prog")).isEqualTo("A dir1/prog " + a.toRealPath() + " exit 0");
        assertThat(jdk.get("prog@" + b)).isEqualTo("B dir1/prog " + bReal + " exit 0");
        assertThat(jdk.get("only-in-b")).contains("error: 2 (No such file or directory)");
        assertThat(jdk.get("top")).isEqualTo("A-top top " + a.toRealPath() + " exit 0");
        assertThat(jdk.get("top@" + b)).isEqualTo("B-top top " + bReal + " exit 0");
        assertThat(jdk.get("./rel.sh@" + b)).isEqualTo("B-rel ./rel.sh " + bReal + " exit 0");
        assertThat(jdk.get("no-shebang@" + b)).isEqualTo("sh dir1/no-shebang " + bReal + " exit 0");
    }
}
