package ates.testing;

import java.util.Map;

/** The Postgres and Kafka that node processes of a test run against. */
public interface NodeServers {

  /** A fresh identity for a node (or a cluster): its own databases and topic prefix. */
  TestInfra.NodeSetup newNode();

  /** Environment variables that give a child JVM running {@code ates.Main} this setup. */
  Map<String, String> nodeEnvironment(
      TestInfra.NodeSetup setup, String services, int httpPort, int managementPort);

  String kafkaBootstrap();
}
