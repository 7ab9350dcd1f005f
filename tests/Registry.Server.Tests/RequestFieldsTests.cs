using System.Text.Json;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class RequestFieldsTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Theory]
    [InlineData("{\"id\":5}", 5u)]
    [InlineData("{\"id\":4294967295}", uint.MaxValue)]
    [InlineData("{\"id\":7.9}", 7u)]
    [InlineData("{\"id\":1e3}", 1000u)]
    [InlineData("{\"id\":4294967296}", 0u)]
    [InlineData("{\"id\":-1}", 0u)]
    [InlineData("{\"id\":\"5\"}", 0u)]
    [InlineData("{\"id\":true}", 0u)]
    [InlineData("{\"id\":null}", 0u)]
    [InlineData("{}", 0u)]
    public void GetUInt32_Value_FollowsSpecRule(string json, uint expected) => Assert.Equal(expected, RequestFields.GetUInt32(Json(json), "id"));

    [Theory]
    [InlineData("{\"net\":65535}", (ushort)65535)]
    [InlineData("{\"net\":65536}", (ushort)0)]
    [InlineData("{\"net\":-3}", (ushort)0)]
    [InlineData("{\"net\":[1]}", (ushort)0)]
    public void GetUInt16_Value_FollowsSpecRule(string json, ushort expected) => Assert.Equal(expected, RequestFields.GetUInt16(Json(json), "net"));

    [Fact]
    public void GetInt32Array_KeepsNonNegativeNumbers_SkipsOthers()
    {
        Assert.Equal([443, 0, 70000, 8], RequestFields.GetInt32Array(Json("{\"p\":[443,0,70000,8.7,-1,\"80\",null,1e12]}"), "p"));
        Assert.Empty(RequestFields.GetInt32Array(Json("{\"p\":443}"), "p"));
        Assert.Empty(RequestFields.GetInt32Array(Json("{}"), "p"));
    }

    [Fact]
    public void GetString_MissingOrWrongType_Empty()
    {
        Assert.Equal("x", RequestFields.GetString(Json("{\"s\":\"x\"}"), "s"));
        Assert.Equal(string.Empty, RequestFields.GetString(Json("{\"s\":1}"), "s"));
        Assert.Equal(string.Empty, RequestFields.GetString(Json("{}"), "s"));
        Assert.True(RequestFields.HasString(Json("{\"s\":\"\"}"), "s"));
        Assert.False(RequestFields.HasString(Json("{}"), "s"));
    }

    [Fact]
    public void GetBool_OnlyJsonTrue_True()
    {
        Assert.True(RequestFields.GetBool(Json("{\"b\":true}"), "b"));
        Assert.False(RequestFields.GetBool(Json("{\"b\":\"true\"}"), "b"));
        Assert.False(RequestFields.GetBool(Json("{\"b\":1}"), "b"));
        Assert.False(RequestFields.GetBool(Json("{}"), "b"));
    }

    [Fact]
    public void GetStringArray_MixedElements_KeepsStringsOnly()
    {
        Assert.Equal(["a", "b"], RequestFields.GetStringArray(Json("{\"t\":[\"a\",1,\"b\",null]}"), "t"));
        Assert.Empty(RequestFields.GetStringArray(Json("{\"t\":\"a\"}"), "t"));
        Assert.Empty(RequestFields.GetStringArray(Json("{}"), "t"));
    }

    [Fact]
    public void GetRequestType_NonString_Empty() => Assert.Equal(string.Empty, RequestFields.GetRequestType(Json("{\"type\":3}")));
}
