namespace DevServe;

/// <summary>What <see cref="Dispatchers.Limit"/> does with a request that arrives while the limit is reached.</summary>
/// <remarks>Racket: the <c>#:over-limit</c> symbols of dispatchers/limit.rkt.</remarks>
public enum OverLimit
{
    /// <summary>Wait for a slot (Racket: <c>'block</c>).</summary>
    Block,
    /// <summary>Shed the new request with 503 and <c>Retry-After</c> (Racket: <c>'kill-new</c>, which closes the connection).</summary>
    KillNew,
    /// <summary>Answer the oldest request in progress with 503 and give its slot to the new one (Racket: <c>'kill-old</c>).</summary>
    KillOld,
}
