package io.pidspawn.examples;

import io.pidspawn.compat.PidspawnProcessBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The ProcessBuilder facade: a three-stage pipeline (printf | sort | head) started with
 * startPipeline, the last stage's output read as with java.lang.Process.
 */
public final class FacadePipeline {
    public static void main(String[] args) throws Exception {
        List<Process> stages = PidspawnProcessBuilder.startPipeline(List.of(
                new PidspawnProcessBuilder("printf", "pear\\napple\\nfig\\nbanana\\n"),
                new PidspawnProcessBuilder("sort"),
                new PidspawnProcessBuilder("head", "-n", "2")));
        Process last = stages.getLast();
        String out = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        for (int i = 0; i < stages.size(); i++) {
            int code = stages.get(i).waitFor();
            Check.that(code == 0, "stage " + i + " exited " + code);
        }
        Check.that(out.equals("apple\nbanana\n"), "pipeline output: \"" + out + "\"");
        System.out.println("facade-pipeline: ok (" + stages.size() + " stages)");
    }
}
