package dev.idempotency.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import dev.idempotency.gateway.rules.RulesValidationCommand;

@SpringBootApplication
public class IdempotencyGatewayApplication {

    public static void main(String[] args) {
        if (RulesValidationCommand.isRequested(args)) {
            RulesValidationCommand.main(args); // offline check of a rules file: no server, no store
            return;
        }
        SpringApplication.run(IdempotencyGatewayApplication.class, args);
    }
}
