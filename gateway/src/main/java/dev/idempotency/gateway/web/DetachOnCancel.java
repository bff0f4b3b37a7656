package dev.idempotency.gateway.web;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Mirrors {@code work} to its subscriber, except that a cancel (the client left, or its timeout
 * fired) detaches the subscriber instead of cancelling the work: the upstream exchange runs to
 * its end and settles the key. One subscription in the common case where the client stays; the
 * work keeps the client's Reactor context either way.
 */
final class DetachOnCancel extends Mono<Void> {

    private static final Log logger = LogFactory.getLog(DetachOnCancel.class);

    private final Mono<Void> work;

    DetachOnCancel(Mono<Void> work) {
        this.work = work;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
        this.work.subscribe(new Mirror(actual));
    }

    private static final class Mirror implements CoreSubscriber<Void>, Subscription {

        private final CoreSubscriber<? super Void> actual;

        private final Context context;

        private Subscription upstream;

        private volatile boolean detached;

        Mirror(CoreSubscriber<? super Void> actual) {
            this.actual = actual;
            this.context = actual.currentContext();
        }

        @Override
        public Context currentContext() {
            return this.context;
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            if (Operators.validate(this.upstream, subscription)) {
                this.upstream = subscription;
                this.actual.onSubscribe(this);
                // The work is requested whole, whether or not the client still asks for it.
                subscription.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(Void value) {
        }

        @Override
        public void onError(Throwable error) {
            if (this.detached) {
                logger.debug("Upstream exchange ended after its client left: " + error);
                return;
            }
            this.actual.onError(error);
        }

        @Override
        public void onComplete() {
            if (!this.detached) {
                this.actual.onComplete();
            }
        }

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
            if (!this.detached) {
                this.detached = true;
                logger.debug("Client left; the upstream exchange goes on");
            }
        }
    }
}
