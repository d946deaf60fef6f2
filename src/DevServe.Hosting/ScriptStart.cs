using System.Reflection;

namespace DevServe.Hosting;

/// <summary>What a compiled script hands back: its <c>Start</c>, sync or async, as one shape.</summary>
/// <remarks>Public because compiled scripts call it; not meant for servlet authors.</remarks>
public static class ScriptStart
{
    /// <summary>An async <c>Start</c> as it is.</summary>
    public static Func<Request, Task<Response>> Of(Func<Request, Task<Response>> start) => start;

    /// <summary>A synchronous <c>Start</c>, wrapped.</summary>
    public static Func<Request, Task<Response>> Of(Func<Request, Response> start) => r => Task.FromResult(start(r));

    /// <summary>Whether <paramref name="method"/> has a servlet's shape: static, one <see cref="Request"/>, a <see cref="Response"/> or a task of one.</summary>
    internal static bool IsStart(MethodInfo method)
        => method.IsStatic && !method.ContainsGenericParameters && method.GetParameters() is [{ ParameterType: var p }] && p == typeof(Request)
            && (method.ReturnType == typeof(Response) || method.ReturnType == typeof(Task<Response>));

    /// <summary>A static <c>Start</c> method found by reflection (a plugin's, a <c>.cs</c> app's), as one shape.</summary>
    internal static Func<Request, Task<Response>> Of(MethodInfo start)
        => start.ReturnType == typeof(Response)
            ? Of(start.CreateDelegate<Func<Request, Response>>())
            : start.CreateDelegate<Func<Request, Task<Response>>>();
}
