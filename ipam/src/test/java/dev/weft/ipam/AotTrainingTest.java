package dev.weft.ipam;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class AotTrainingTest {
  @Test
  void trainingRunsCleanly() throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    try {
      AotTraining.main(new String[0]);
    } finally {
      System.setOut(old);
    }
    assertTrue(out.toString().startsWith("weft-ipam AOT training: "), out.toString());
  }
}
