#lang racket/base
;; The same work as HelloServers' servlet and suspend modes, in Racket, for scripts/bench.
;; Usage: racket servers.rkt PORT hello|suspend
(require web-server/servlet web-server/servlet-env)

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

(serve/servlet (if (equal? mode "suspend") suspend-loop hello)
               #:port port #:command-line? #t #:servlet-regexp #rx"" #:launch-browser? #f)
