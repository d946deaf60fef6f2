using System.Text.Json.Serialization;

namespace DevServe.Hosting;

/// <summary>
/// The JSON read and written on a start's path (a compiled-script cache entry, a compile server's request and answer),
/// serialized by code generated at build: reflection-based serialization spent ~100 ms of a cached start's CPU
/// warming up (BENCHMARKS.md, 2026-12-03 evening).
/// </summary>
[JsonSerializable(typeof(ScriptCache.Entry))]
[JsonSerializable(typeof(CompileServer.Ask))]
[JsonSerializable(typeof(CompileServer.Answer))]
internal sealed partial class HostingJson : JsonSerializerContext;
