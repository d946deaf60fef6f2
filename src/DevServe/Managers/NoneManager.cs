using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>A manager that keeps nothing: every continuation is expired at once (for stateless servlets).</summary>
/// <remarks>Racket: <c>create-none-manager</c> in managers/none.rkt. Suspending answers with the expiration page.</remarks>
public sealed class NoneManager(Func<Request, Response>? expirationHandler = null) : IManager
{
    /// <inheritdoc/>
    public Func<Request, Response> ExpirationHandler { get; } = expirationHandler ?? ExpiredPage.Default;

    /// <inheritdoc/>
    public int CreateInstance(Action? expire = null) => 0;

    /// <inheritdoc/>
    public void AdjustTimeout(int instance, TimeSpan timeout) { }

    /// <inheritdoc/>
    public void ClearContinuations(int instance) { }

    /// <inheritdoc/>
    public bool TryStore(int instance, object continuation, out long id, out ulong salt)
    {
        id = 0;
        salt = 0;
        return false;
    }

    /// <inheritdoc/>
    public bool TryLookup(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation)
    {
        continuation = null;
        return false;
    }

    /// <inheritdoc/>
    public bool TryPeek(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation)
        => TryLookup(instance, id, salt, out continuation);
}
