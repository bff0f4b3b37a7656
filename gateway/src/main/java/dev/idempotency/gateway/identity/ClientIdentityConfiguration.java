package dev.idempotency.gateway.identity;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The 401 answer for credential-based identity sources; the resolver itself is built in config/. */
@Configuration(proxyBeanMethods = false)
public class ClientIdentityConfiguration {

    @Bean
    ClientAuthenticationExceptionHandler clientAuthenticationExceptionHandler(
            ObjectProvider<UnauthenticatedRequestListener> listeners) {
        return new ClientAuthenticationExceptionHandler(listeners.orderedStream().toList());
    }
}
