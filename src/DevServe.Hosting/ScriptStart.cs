namespace DevServe.Hosting;

/// <summary>What a compiled script hands back: its <c>Start</c>, sync or async, as one shape.</summary>
/// <remarks>Public because compiled scripts call it; not meant for servlet authors.</remarks>
public static class ScriptStart
{
    /// <summary>An async <c>Start</c> as it is.</summary>
    public static Func<Request, Task<Response>> Of(Func<Request, Task<Response>> start) => start;

    /// <summary>A synchronous <c>Start</c>, wrapped.</summary>
    public static Func<Request, Task<Response>> Of(Func<Request, Response> start) => r => Task.FromResult(start(r));
}
