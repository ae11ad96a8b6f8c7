package ates.platform;

import akka.actor.typed.ActorSystem;
import ates.platform.db.ServiceDatabase;
import ates.platform.http.JwtService;
import ates.platform.http.UserRoles;
import ates.platform.kafka.KafkaPlatform;
import com.typesafe.config.Config;
import java.time.Duration;

/** What the platform hands a service when it starts it. */
public record ServiceContext(
    ActorSystem<?> system,
    ServiceDatabase database,
    KafkaPlatform kafka,
    JwtService jwt,
    UserRoles userRoles,
    Metrics metrics,
    Duration askTimeout,
    boolean embeddedDefault) {

  public Config config() {
    return system.settings().config();
  }

  /** The journal and snapshot plugins of the service's own database. */
  public JournaledEntity.Journal journal() {
    return new JournaledEntity.Journal(
        "ates." + database.service() + ".journal", "ates." + database.service() + ".snapshot");
  }

  public String readJournalPluginId() {
    return "ates." + database.service() + ".query";
  }
}
