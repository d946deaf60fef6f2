using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace DevServe.Internal;

/// <summary>
/// A stateless continuation that carries the suspended frames themselves (<see cref="Suspension"/>) or one embedded
/// handler with its captured values (<see cref="Handler"/>), as bytes for the servlet's stuffer to sign.
/// </summary>
/// <remarks>
/// Layout: a kind byte (1 or 2; the older replay-log continuations are JSON and start with <c>{</c>), the issue time
/// (Unix seconds), then for a suspension the frames innermost first, each as the index of its awaiter field and its
/// state machine; for a handler, its method (declaring type, name, code fingerprint) and its target.
/// docs/design/continuations.md §13.
/// </remarks>
internal static class FrameToken
{
    public const byte SuspensionKind = 1, HandlerKind = 2;
    private const int MaxFrames = 64;

    /// <summary>How long a stateless link is honoured after it was made.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public static bool IsFrameToken(ReadOnlySpan<byte> bytes) => bytes.Length > 0 && bytes[0] is SuspensionKind or HandlerKind;

    /// <summary>The bytes of a sealed chain.</summary>
    /// <exception cref="UnwritableException">A local holds something a link cannot carry.</exception>
    public static byte[] Suspension(SuspendedChain chain, Assembly servlet, object? root)
    {
        var writer = Begin(SuspensionKind, servlet, root);
        writer.WriteVarint(chain.Frames.Count);
        foreach (var (box, slot) in chain.Frames)
        {
            writer.WriteVarint(Array.IndexOf(AllFields(box.StateMachineType), slot.Field));
            writer.Local = "of " + FrameTypes.MethodOf(box.StateMachineType);
            writer.WriteValue(box.StateMachineObject());
        }
        return writer.ToArray();
    }

    /// <summary>The bytes of an embedded handler, or <c>null</c> when it is not the servlet's own code.</summary>
    /// <exception cref="UnwritableException">Its closure holds something a link cannot carry.</exception>
    public static byte[]? Handler(Func<Request, Task<Response>> handler, Assembly servlet, object? root)
    {
        var method = handler.Method;
        if (method.DeclaringType is not { } declaring || !FrameTypes.IsAllowedUserType(declaring, servlet) || method.IsGenericMethod)
        {
            return null;
        }
        var writer = Begin(HandlerKind, servlet, root);
        writer.WriteType(declaring);
        writer.WriteString(method.Name);
        writer.WriteRaw(FrameTypes.Fingerprint(method));
        writer.Local = "captured by the handler " + method.Name;
        writer.WriteValue(handler.Target);
        return writer.ToArray();
    }

    private static FrameWriter Begin(byte kind, Assembly servlet, object? root)
    {
        var writer = new FrameWriter(servlet, root);
        writer.WriteRawByte(kind);
        writer.WriteVarint(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return writer;
    }

    /// <summary>What a token holds once read: the frames of a suspension, or a handler to run.</summary>
    public sealed record Read(IReadOnlyList<(StateMachineBox Box, AwaiterSlot Slot)>? Frames, Func<Request, Task<Response>>? Handler);

    /// <summary>Reads a token the stuffer has accepted.</summary>
    /// <exception cref="InvalidTokenException">It does not read back.</exception>
    /// <exception cref="StaleFrameException">It was made by code that has changed.</exception>
    /// <exception cref="ExpiredTokenException">It is older than <see cref="Lifetime"/>.</exception>
    public static Read Open(byte[] bytes, Assembly servlet, object? root, Request now)
    {
        try
        {
            return OpenChecked(bytes, servlet, root, now);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or System.Text.Json.JsonException
            or InvalidCastException or MemberAccessException or NotSupportedException or InvalidOperationException or TargetInvocationException
            or TypeLoadException or ReflectionTypeLoadException or BadImageFormatException)
        {
            // What reflection and the readers of the allow-listed types say about bytes that are not what they should be.
            throw FrameReader.Bad(e.GetType().Name + ": " + e.Message);
        }
    }

    private static Read OpenChecked(byte[] bytes, Assembly servlet, object? root, Request now)
    {
        var reader = new FrameReader(bytes, servlet, root, now);
        var kind = reader.ReadByte();
        var issued = reader.ReadVarint();
        if (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - issued > (long)Lifetime.TotalSeconds)
        {
            throw new ExpiredTokenException();
        }
        var read = kind switch
        {
            SuspensionKind => new Read(ReadFrames(reader), null),
            HandlerKind => new Read(null, ReadHandler(reader)),
            _ => throw FrameReader.Bad("it is of no kind DevServe makes"),
        };
        return reader.AtEnd ? read : throw FrameReader.Bad("it has bytes after its end");
    }

    private static List<(StateMachineBox, AwaiterSlot)> ReadFrames(FrameReader reader)
    {
        var count = reader.ReadVarint();
        if (count is < 1 or > MaxFrames)
        {
            throw FrameReader.Bad("it holds no frames or too many");
        }
        var frames = new List<(StateMachineBox, AwaiterSlot)>((int)count);
        var results = new List<Type>((int)count);
        for (var i = 0; i < count; i++)
        {
            var awaiter = reader.ReadVarint();
            if (reader.ReadValue() is not IAsyncStateMachine stateMachine || StateMachineBox.ResultType(stateMachine.GetType()) is not { } result)
            {
                throw FrameReader.Bad("a frame is not a resumable method");
            }
            var fields = AllFields(stateMachine.GetType());
            if (awaiter < 0 || awaiter >= fields.Length || AwaiterSlot.ForField(fields[awaiter]) is not { } slot)
            {
                throw FrameReader.Bad("a frame's awaiter is not one");
            }
            // What this frame awaits must be what its callee returns (the innermost: a Request), or the awaiter would
            // be given a task of another type.
            var awaited = slot.Field.FieldType.IsGenericType ? slot.Field.FieldType.GetGenericArguments()[0] : typeof(VoidResult);
            var expected = i == 0 ? typeof(Request) : results[i - 1];
            if (awaited != expected)
            {
                throw FrameReader.Bad("a frame awaits something its callee does not return");
            }
            results.Add(result);
            var frame = ResumableFrame.ForResult(result);
            frames.Add((StateMachineBox.Create(frame, stateMachine), slot));
        }
        if (results[^1] != typeof(Response))
        {
            throw FrameReader.Bad("the outermost frame is not an entry point returning a Response");
        }
        return frames;
    }

    private static Func<Request, Task<Response>> ReadHandler(FrameReader reader)
    {
        var declaring = reader.ReadType();
        var name = reader.ReadString();
        var fingerprint = reader.ReadRaw(8);
        var method = declaring.GetMethod(name, BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly,
            [typeof(Request)]);
        if (method is null || method.ReturnType != typeof(Task<Response>))
        {
            throw new StaleFrameException(name, changed: false);
        }
        if (!FrameTypes.Fingerprint(method).AsSpan().SequenceEqual(fingerprint))
        {
            throw new StaleFrameException(FrameTypes.HandlerName(method), changed: true);
        }
        var target = reader.ReadValue();
        if (method.IsStatic ? target is not null : !declaring.IsInstanceOfType(target))
        {
            throw FrameReader.Bad("a handler's target is not its own");
        }
        return method.IsStatic ? method.CreateDelegate<Func<Request, Task<Response>>>() : method.CreateDelegate<Func<Request, Task<Response>>>(target);
    }

    // Every field, in a stable order, for the awaiter's index (the fingerprint covers them all).
    private static FieldInfo[] AllFields(Type type) => [.. type
        .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.Name, StringComparer.Ordinal)];
}

/// <summary>A stateless link older than <see cref="FrameToken.Lifetime"/>.</summary>
internal sealed class ExpiredTokenException() : Exception("The link has expired.");
