using System.Text;
using System.Text.Json.Nodes;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;
using Registry.Persistence.Tests.Legacy;

namespace Registry.Persistence.Tests.Deltas;

public class DeltaPayloadTests
{
    [Fact]
    public void Decode_EveryBasicEntryPayload_ReencodesToTheSameJsonValue()
    {
        var checkedKinds = new HashSet<DeltaType>();
        foreach (var e in ExpectedWal.For("wal-basic.wal").Entries.Where(e => e.DataRaw is not null))
        {
            var type = (DeltaType)e.Type;

            // The fixture's trust payloads were invented as {node_id, peer_id}; ours is {node_a, node_b}.
            if (type is DeltaType.TrustAdd or DeltaType.TrustRevoke)
            {
                continue;
            }

            var decoded = DeltaPayload.Decode(type, e.DataRaw);
            Assert.NotNull(decoded);
            var reencoded = Reencode(decoded);
            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse(e.DataRaw), JsonNode.Parse(reencoded)),
                $"{type}: {Encoding.UTF8.GetString(e.DataRaw!)} became {Encoding.UTF8.GetString(reencoded)}");
            checkedKinds.Add(type);
        }

        DeltaType[] seedKinds =
        [
            DeltaType.Register, DeltaType.Deregister, DeltaType.NetworkCreate, DeltaType.NetworkJoin,
            DeltaType.NetworkLeave, DeltaType.KeyRotation, DeltaType.NetworkDelete,
        ];
        Assert.Superset(seedKinds.ToHashSet(), checkedKinds);
    }

    [Fact]
    public void Encode_AsciiSeedPayloadsOfBasic_MatchGoBytesExactly()
    {
        // Without non-ASCII or escapes our encoder and Go's agree byte for byte, which pins member order and omitempty.
        var compared = 0;
        foreach (var e in ExpectedWal.For("wal-basic.wal").Entries.Where(e => e.Applied && e.DataRaw is not null))
        {
            if (e.DataRaw!.Any(b => b >= 0x80 || b == '\\'))
            {
                continue;
            }

            var reencoded = Reencode(DeltaPayload.Decode((DeltaType)e.Type, e.DataRaw)!);
            Assert.Equal(Encoding.UTF8.GetString(e.DataRaw!), Encoding.UTF8.GetString(reencoded));
            compared++;
        }

        Assert.True(compared >= 15, $"only {compared} payloads compared");
    }

    [Fact]
    public void Decode_FirstRegister_ReadsEveryMember()
    {
        var raw = ExpectedWal.For("wal-basic.wal").Entries[0].DataRaw!;

        var delta = DeltaPayload.Decode<RegisterDelta>(raw);

        Assert.Equal(1U, delta.NodeId);
        Assert.Equal("alice@example.com", delta.Owner);
        Assert.Equal("SrhHw9TZp6fHHsANaTSXuTSCUwqs2gme3VROCFwY3pY=", delta.PublicKey);
        Assert.Equal("203.0.113.10:4000", delta.RealAddr);
        Assert.Equal("alice-laptop", delta.Hostname);
        Assert.Equal(["192.168.1.10:4000", "10.0.0.5:4000"], delta.LanAddrs!);
        Assert.Equal("v1.10.0", delta.Version);
        Assert.Equal("2026-05-12T08:00:00Z", delta.CreatedAt);
    }

    [Fact]
    public void Decode_EscapedOwner_IsUnescaped()
    {
        var raw = ExpectedWal.For("wal-basic.wal").Entries[1].DataRaw!;
        Assert.Equal("bob <bob@example.com> & co", DeltaPayload.Decode<RegisterDelta>(raw).Owner);
    }

    [Fact]
    public void Decode_NetworkCreateWithoutCreator_LeavesOptionalMembersEmpty()
    {
        var delta = DeltaPayload.Decode<NetworkCreateDelta>("{\"network_id\":3,\"name\":\"temp-net\",\"join_rule\":\"invite\",\"enterprise\":true,\"created_at\":\"2026-05-12T08:21:00Z\"}"u8);

        Assert.Equal((ushort)3, delta.NetworkId);
        Assert.True(delta.Enterprise);
        Assert.Equal(0U, delta.CreatorNodeId);
        Assert.Null(delta.Token);
        Assert.Null(delta.AdminToken);
    }

    [Theory]
    [InlineData("null", 0U)]
    [InlineData("{}", 0U)]
    [InlineData("{\"node_id\":null}", 0U)]
    [InlineData("{\"NODE_ID\":5}", 5U)]
    [InlineData("{\"Node_Id\":5,\"node_id\":6}", 6U)]
    [InlineData(" {\"node_id\":7,\"extra\":{\"deep\":[1,2]}} ", 7U)]
    [InlineData("{\"node_id\":4294967295}", uint.MaxValue)]
    public void Decode_GoAcceptedDeregister_GivesNode(string json, uint node)
    {
        Assert.Equal(node, DeltaPayload.Decode<DeregisterDelta>(Encoding.UTF8.GetBytes(json)).NodeId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\uFEFF{\"node_id\":1}")]
    [InlineData("{\"node_id\":\"5\"}")]
    [InlineData("{\"node_id\":1.0}")]
    [InlineData("{\"node_id\":1e0}")]
    [InlineData("{\"node_id\":-1}")]
    [InlineData("{\"node_id\":4294967296}")]
    [InlineData("{\"node_id\":true}")]
    [InlineData("{\"node_id\":1}x")]
    [InlineData("{\"node_id\":1")]
    [InlineData("[1]")]
    public void Decode_GoRejectedDeregister_ThrowsDeltaPayloadException(string json)
    {
        var ex = Assert.Throws<DeltaPayloadException>(() => DeltaPayload.Decode<DeregisterDelta>(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(nameof(DeregisterDelta), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"network_id\":65536}")]
    [InlineData("{\"network_id\":-1}")]
    public void Decode_NetworkIdOutOfUInt16_Throws(string json)
    {
        Assert.Throws<DeltaPayloadException>(() => DeltaPayload.Decode<NetworkDeleteDelta>(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Decode_KelvinSignInMemberName_DoesNotMatchUnlikeGo()
    {
        // Pins the documented difference (docs/delta-kinds.md): Go folds U+212A to 'k', ordinal ignore-case does not.
        var delta = DeltaPayload.Decode<RegisterDelta>("{\"node_id\":1,\"public_\u212Aey\":\"x\"}"u8);
        Assert.Equal(string.Empty, delta.PublicKey);
    }

    [Fact]
    public void Decode_InvalidUtf8InString_ThrowsUnlikeGo()
    {
        // Pins the documented difference (docs/delta-kinds.md): Go would decode the byte as U+FFFD.
        byte[] json = [.. "{\"node_id\":1,\"hostname\":\"a"u8, 0xFF, .. "\"}"u8];
        Assert.Throws<DeltaPayloadException>(() => DeltaPayload.Decode<HostnameDelta>(json));
    }

    [Fact]
    public void Decode_DuplicateMemberLaterNull_GivesZeroUnlikeGo()
    {
        // Pins the documented difference: Go keeps 5 because null leaves the field unchanged.
        Assert.Equal(0U, DeltaPayload.Decode<DeregisterDelta>("{\"node_id\":5,\"node_id\":null}"u8).NodeId);
    }

    [Fact]
    public void Decode_AbsentMembers_GiveEmptyStringsAndListsNotNull()
    {
        // Regression guard: the source generator passes null for absent init-only members, overriding initializers.
        Assert.Equal(string.Empty, DeltaPayload.Decode<KeyRotationDelta>("{}"u8).NewPublicKey);
        Assert.Equal(string.Empty, DeltaPayload.Decode<NetworkCreateDelta>("{}"u8).CreatedAt);
        Assert.Equal(string.Empty, DeltaPayload.Decode<HostnameDelta>("{\"hostname\":null}"u8).Hostname);
        Assert.Empty(DeltaPayload.Decode<TagsDelta>("{\"node_id\":1}"u8).Tags);
        Assert.Empty(DeltaPayload.Decode<TagsDelta>("{\"tags\":null}"u8).Tags);
        Assert.Empty(DeltaPayload.Decode<TagsDelta>("null"u8).Tags);
    }

    [Fact]
    public void Decode_NullMembers_LeaveZeroValues()
    {
        var delta = DeltaPayload.Decode<NetworkCreateDelta>("{\"network_id\":null,\"name\":null,\"enterprise\":null,\"created_at\":null}"u8);

        Assert.Equal(0, delta.NetworkId);
        Assert.Equal(string.Empty, delta.Name);
        Assert.False(delta.Enterprise);
        Assert.Equal(string.Empty, delta.CreatedAt);
    }

    [Fact]
    public void Encode_OwnPayloads_WriteResultingValuesEvenWhenEmpty()
    {
        Assert.Equal("{\"node_id\":4,\"public\":false}", Text(DeltaPayload.Encode(new VisibilityDelta { NodeId = 4 })));
        Assert.Equal("{\"node_id\":4,\"hostname\":\"\"}", Text(DeltaPayload.Encode(new HostnameDelta { NodeId = 4 })));
        Assert.Equal("{\"node_id\":4,\"tags\":[]}", Text(DeltaPayload.Encode(new TagsDelta { NodeId = 4 })));
        Assert.Equal("{\"node_id\":4,\"task_exec\":false}", Text(DeltaPayload.Encode(new TaskExecDelta { NodeId = 4 })));
        Assert.Equal("{\"node_a\":3,\"node_b\":9}", Text(DeltaPayload.Encode(TrustPairDelta.Between(9, 3))));
        Assert.Equal(
            "{\"node_id\":4,\"last_seen\":\"2026-05-12T08:00:00Z\"}",
            Text(DeltaPayload.Encode(new HeartbeatDelta { NodeId = 4, LastSeen = "2026-05-12T08:00:00Z" })));
    }

    [Fact]
    public void Decode_OwnPayloads_RoundTrip()
    {
        var tags = DeltaPayload.Decode<TagsDelta>(DeltaPayload.Encode(new TagsDelta { NodeId = 2, Tags = ["gpu", "lab"] }));
        Assert.Equal(2U, tags.NodeId);
        Assert.Equal(["gpu", "lab"], tags.Tags);

        var pair = DeltaPayload.Decode<TrustPairDelta>(DeltaPayload.Encode(TrustPairDelta.Between(7, 7)));
        Assert.Equal(TrustPairDelta.Between(7, 7), pair);

        var hostname = new HostnameDelta { NodeId = 3, Hostname = "café-日本-🚀" };
        Assert.Equal(hostname, DeltaPayload.Decode<HostnameDelta>(DeltaPayload.Encode(hostname)));
    }

    [Fact]
    public void Encode_NullRequiredString_WritesEmptyStringLikeGo()
    {
        var json = Text(DeltaPayload.Encode(new KeyRotationDelta { NodeId = 1, NewPublicKey = null!, RotatedAt = "x" }));
        Assert.Equal("{\"node_id\":1,\"new_public_key\":\"\",\"rotated_at\":\"x\"}", json);
    }

    [Theory]
    [InlineData(DeltaType.None)]
    [InlineData((DeltaType)150)]
    [InlineData((DeltaType)200)]
    public void Decode_KindWithoutPayloadType_ReturnsNull(DeltaType type)
    {
        Assert.Null(DeltaPayload.Decode(type, "{}"u8));
    }

    [Fact]
    public void Decode_HeartbeatWithoutData_Throws()
    {
        Assert.Throws<DeltaPayloadException>(() => DeltaPayload.Decode(DeltaType.Heartbeat, []));
    }

    [Fact]
    public void Encode_TypeThatIsNotAPayload_ThrowsNotSupported()
    {
        Assert.Throws<NotSupportedException>(() => DeltaPayload.Encode(new object()));
    }

    [Fact]
    public void FormatTimestamp_OffsetAndFraction_GivesUtcWholeSeconds()
    {
        var time = new DateTimeOffset(2026, 5, 12, 10, 0, 0, 999, TimeSpan.FromHours(2));
        Assert.Equal("2026-05-12T08:00:00Z", DeltaPayload.FormatTimestamp(time));
    }

    [Theory]
    [InlineData(1, 1, 1, 0, 0, 0, "0001-01-01T00:00:00Z")]
    [InlineData(999, 12, 31, 23, 59, 59, "0999-12-31T23:59:59Z")]
    [InlineData(9999, 12, 31, 23, 59, 59, "9999-12-31T23:59:59Z")]
    public void FormatTimestamp_YearsOfFewerDigits_ArePaddedToFour(int year, int month, int day, int hour, int minute, int second, string expected)
    {
        Assert.Equal(expected, DeltaPayload.FormatTimestamp(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero)));
    }

    [Fact]
    public void RoundTripsExactly_PlainTextPayload_IsTrueAndDecodesToEqualMembers()
    {
        var payload = new RegisterDelta { NodeId = 7, PublicKey = "AAAA", Owner = "ann <a&b> ünï 😀", LanAddrs = ["10.0.0.1:1"] };
        var encoded = DeltaPayload.Encode(payload);

        Assert.True(DeltaPayload.RoundTripsExactly(DeltaType.Register, encoded));
        var back = DeltaPayload.Decode<RegisterDelta>(encoded);
        Assert.Equal(payload.Owner, back.Owner);
        Assert.Equal(payload.LanAddrs, back.LanAddrs);
    }

    [Fact]
    public void RoundTripsExactly_LoneSurrogate_IsFalseBecauseEncodingReplacedIt()
    {
        var payload = new HostnameDelta { NodeId = 7, Hostname = "a\ud800b" };
        var encoded = DeltaPayload.Encode(payload);

        Assert.False(DeltaPayload.RoundTripsExactly(DeltaType.Hostname, encoded));
        Assert.NotEqual(payload.Hostname, DeltaPayload.Decode<HostnameDelta>(encoded).Hostname);
    }

    [Theory]
    [InlineData(DeltaType.NetworkCreate)]
    [InlineData(DeltaType.ExprPolicy)]
    [InlineData(DeltaType.None)]
    public void RoundTripsExactly_KindsCarryingJsonDocuments_AreFalse(DeltaType type)
    {
        Assert.False(DeltaPayload.RoundTripsExactly(type, "{\"network_id\":1}"u8));
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static byte[] Reencode(object payload) => payload switch
    {
        RegisterDelta p => DeltaPayload.Encode(p),
        DeregisterDelta p => DeltaPayload.Encode(p),
        KeyRotationDelta p => DeltaPayload.Encode(p),
        NetworkCreateDelta p => DeltaPayload.Encode(p),
        NetworkDeleteDelta p => DeltaPayload.Encode(p),
        NetworkMembershipDelta p => DeltaPayload.Encode(p),
        HeartbeatDelta p => DeltaPayload.Encode(p),
        TrustPairDelta p => DeltaPayload.Encode(p),
        VisibilityDelta p => DeltaPayload.Encode(p),
        HostnameDelta p => DeltaPayload.Encode(p),
        TagsDelta p => DeltaPayload.Encode(p),
        TaskExecDelta p => DeltaPayload.Encode(p),
        _ => throw new InvalidOperationException(payload.GetType().Name),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Encode_Register_SameBytesAsTheSerializer(int seed)
    {
        // Quotes, escapes, controls, HTML characters, base64, non-ASCII, emoji, and lone surrogates (which no writer can encode).
        string[] pieces = ["a", "Z", "0", "+", "/", "=", "\"", "\\", "\n", "\u0001", "\u001f", "<", ">", "&", "'", " ", "é", "名", "😀", "\u2028", "\ud800", "\udfff", ":", "."];
        var random = new Random(seed);
        string? Text(bool optional)
        {
            if (optional && random.Next(4) == 0)
            {
                return null;
            }

            var n = random.Next(0, 6);
            return string.Concat(Enumerable.Range(0, n).Select(_ => pieces[random.Next(pieces.Length)]));
        }

        for (var i = 0; i < 2_000; i++)
        {
            var delta = new RegisterDelta
            {
                NodeId = i % 3 == 0 ? uint.MaxValue - (uint)i : (uint)i,
                Owner = Text(optional: true),
                PublicKey = Text(optional: false)!,
                RealAddr = Text(optional: true),
                Hostname = Text(optional: true),
                LanAddrs = random.Next(3) switch { 0 => null, 1 => [], _ => [Text(optional: false)!, Text(optional: true)!] },
                Version = Text(optional: true),
                CreatedAt = Text(optional: true),
                RelayOnly = random.Next(2) == 0,
            };

            byte[]? expected = null, actual = null;
            Exception? expectedError = null, actualError = null;
            try
            {
                expected = DeltaPayload.EncodeWithSerializer(delta);
            }
            catch (ArgumentException ex)
            {
                expectedError = ex;
            }

            try
            {
                actual = DeltaPayload.Encode(delta);
            }
            catch (ArgumentException ex)
            {
                actualError = ex;
            }

            Assert.Equal(expectedError is null, actualError is null);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void Encode_HeartbeatAndTags_SameBytesAsTheSerializer(int seed)
    {
        string[] pieces = ["a", "Z", "0", "-", "_", "\"", "\\", "\n", "\u0001", "<", ">", "&", "+", " ", "é", "名", "😀", "\u2028", "\ud800", "#"];
        var random = new Random(seed);
        string Text() => string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => pieces[random.Next(pieces.Length)]));
        for (var i = 0; i < 2_000; i++)
        {
            var id = i % 3 == 0 ? uint.MaxValue - (uint)i : (uint)i;
            object payload = (i % 2) switch
            {
                0 => new HeartbeatDelta { NodeId = id, LastSeen = i % 5 == 0 ? null! : Text() },
                _ => new TagsDelta { NodeId = id, Tags = random.Next(4) == 0 ? null! : [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(6) == 0 ? null! : Text())] },
            };

            byte[]? expected = null, actual = null, transient = null;
            Exception? expectedError = null, actualError = null;
            try
            {
                expected = payload is HeartbeatDelta h ? DeltaPayload.EncodeWithSerializer(h) : DeltaPayload.EncodeWithSerializer((TagsDelta)payload);
            }
            catch (ArgumentException ex)
            {
                expectedError = ex;
            }

            try
            {
                actual = DeltaPayload.Encode(payload);
                transient = DeltaPayload.EncodeTransient(payload).ToArray();
            }
            catch (ArgumentException ex)
            {
                actualError = ex;
            }

            Assert.Equal(expectedError is null, actualError is null);
            Assert.Equal(expected, actual);
            Assert.Equal(expected, transient);
        }
    }
}
