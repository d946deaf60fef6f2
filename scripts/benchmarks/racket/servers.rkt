#lang racket/base
;; The same work as HelloServers' servlet and suspend modes, in Racket, for scripts/bench.
;; Usage: racket servers.rkt PORT hello|suspend|ask
;; ask: one question, then an answer (held.sh holds many of them and resumes them at random); its manager keeps up to
;; 4 GiB, so nothing held is evicted during the run.
(require web-server/servlet web-server/servlet-env web-server/managers/lru)

(define args (current-command-line-arguments))
(define port (string->number (vector-ref args 0)))
(define mode (vector-ref args 1))

(define (hello req)
  (response/full 200 #"OK" (current-seconds) #"text/plain; charset=utf-8" '() (list #"Hello, World!")))

(define (suspend-loop req)
  (let loop ([n 0])
    (send/suspend
     (lambda (k)
       (response/full 200 #"OK" (current-seconds) TEXT/HTML-MIME-TYPE '()
                      (list (string->bytes/utf-8 (format "<a href=\"~a\">~a</a>" k n))))))
    (loop (add1 n))))

(define (ask req)
  (define asked (url->string (request-uri req)))
  (define answer
    (send/suspend
     (lambda (k)
       (response/full 200 #"OK" (current-seconds) TEXT/HTML-MIME-TYPE '()
                      (list (string->bytes/utf-8 (format "<a href=\"~a\">~a</a>" k asked)))))))
  (response/full 200 #"OK" (current-seconds) #"text/plain; charset=utf-8" '()
                 (list (string->bytes/utf-8 (format "answered ~a" (string-length (url->string (request-uri answer))))))))

(serve/servlet (cond [(equal? mode "suspend") suspend-loop] [(equal? mode "ask") ask] [else hello])
               #:port port #:command-line? #t #:servlet-regexp #rx"" #:launch-browser? #f
               #:manager (if (equal? mode "ask")
                             (make-threshold-LRU-manager #f (* 4 1024 1024 1024))
                             (make-threshold-LRU-manager #f (* 128 1024 1024))))
