namespace DevServe;

/// <summary>Bounds on what one client may make the server read, hold and wait for.</summary>
/// <remarks>
/// Racket: <c>make-safety-limits</c> in safety-limits.rkt, with its defaults. Where Racket closes the connection
/// without a word, DevServe answers with a status: 400 (malformed), 408 (too slow), 413 (body or form too large),
/// 414 (request line too long), 431 (too many or too long headers).
/// </remarks>
public sealed record SafetyLimits
{
    /// <summary>Connections served at once; further ones wait, accepted, until one ends (Racket: 10000).</summary>
    public int MaxConcurrent { get; init; } = 10000;

    /// <summary>The listen backlog (Racket: 511).</summary>
    public int MaxWaiting { get; init; } = 511;

    /// <summary>Time to read each request's line and headers, also the idle keep-alive wait (Racket: 60 s).</summary>
    public TimeSpan RequestReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time a dispatcher may take to produce its response before the client gets 503 (Racket: 60 s).</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest request line in bytes, without its CRLF (Racket: 8192).</summary>
    public int MaxRequestLineLength { get; init; } = 8192;

    /// <summary>Header lines allowed beyond the first, as Racket counts them: 100 allows 101 headers.</summary>
    public int MaxRequestHeaders { get; init; } = 100;

    /// <summary>Longest header line in bytes (Racket: 8192).</summary>
    public int MaxRequestHeaderLength { get; init; } = 8192;

    /// <summary>Largest body other than <c>multipart/form-data</c>, in bytes (Racket: 1 MiB).</summary>
    public long MaxRequestBodyLength { get; init; } = 1024 * 1024;

    /// <summary>Non-file parts of a multipart form (Racket: 100).</summary>
    public int MaxFormDataFields { get; init; } = 100;

    /// <summary>Longest non-file part, in bytes (Racket: 8 KiB).</summary>
    public int MaxFormDataFieldLength { get; init; } = 8 * 1024;

    /// <summary>File parts of a multipart form (Racket: 100).</summary>
    public int MaxFormDataFiles { get; init; } = 100;

    /// <summary>Largest file part, in bytes (Racket: 10 MiB).</summary>
    public long MaxFormDataFileLength { get; init; } = 10 * 1024 * 1024;

    /// <summary>Parts of a multipart form in all (Racket: fields + files).</summary>
    public int MaxFormDataParts { get; init; } = 200;

    /// <summary>Longest header line of a multipart part (Racket: 8 KiB).</summary>
    public int MaxFormDataHeaderLength { get; init; } = 8 * 1024;

    /// <summary>File parts longer than this are spooled to a temporary file (Racket: 1 MiB).</summary>
    public long FormDataFileMemoryThreshold { get; init; } = 1024 * 1024;

    /// <summary>How long the first call of a server's stop action lets requests in flight finish (DevServe: 10 s).</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Racket's defaults with a given backlog and request-read timeout (<c>make-safety-limits #:max-waiting #:request-read-timeout</c>).</summary>
    /// <param name="maxWaiting">The listen backlog; 0 lets the system choose its smallest.</param>
    /// <param name="requestReadTimeoutSeconds">Seconds to read a request's line and headers.</param>
    public static SafetyLimits Make(int maxWaiting = 511, int requestReadTimeoutSeconds = 60)
        => Make(maxWaiting, TimeSpan.FromSeconds(requestReadTimeoutSeconds));

    /// <summary>Racket's defaults with a given backlog and request-read timeout, which may be fractional.</summary>
    /// <param name="maxWaiting">The listen backlog; 0 lets the system choose its smallest.</param>
    /// <param name="requestReadTimeout">
    /// Time to read a request's line and headers. Kestrel checks it once a second, so a slow client is cut off up to
    /// a second after it (never before).
    /// </param>
    public static SafetyLimits Make(int maxWaiting, TimeSpan requestReadTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaiting);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(requestReadTimeout, TimeSpan.Zero);
        return new SafetyLimits { MaxWaiting = maxWaiting, RequestReadTimeout = requestReadTimeout };
    }
}
