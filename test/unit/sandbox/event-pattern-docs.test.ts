import { describe, expect, it } from 'vitest';
import { matchesPattern } from '#sandbox/event-pattern.ts';

/**
 * The sandbox's matcher against the EventBridge User Guide's own examples, copied with their
 * documented outcomes: "Content filtering in Amazon EventBridge event patterns"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html)
 * and "Comparison operators for use in event patterns"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 * Events a doc example only describes in words are built to that description.
 */

// The event the "Exists matching" section says matches { "detail": { "state": [ { "exists": true } ] } }.
const ec2Pending = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
};
// The event the same section says does NOT match it, and the "Equals-ignore-case" section says does match its pattern.
const noState = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { 'c-count': { c1: 100 } },
};
const withDetail = (detail: Record<string, unknown>) => ({ ...ec2Pending, detail });

describe('EventBridge documentation examples', () => {
  it('prefix: "time" starting with 2017-10-02', () => {
    const pattern = { time: [{ prefix: '2017-10-02' }] };
    expect(matchesPattern(pattern, { ...ec2Pending, time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matchesPattern(pattern, ec2Pending)).toBe(false);
  });

  it('prefix with equals-ignore-case: a service starting with "eventb", regardless of case', () => {
    const pattern = { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] };
    expect(matchesPattern(pattern, { service: 'EventBridge' })).toBe(true);
    expect(matchesPattern(pattern, { service: 'Lambda' })).toBe(false);
  });

  it('suffix: FileName ending with .png', () => {
    const pattern = { FileName: [{ suffix: '.png' }] };
    expect(matchesPattern(pattern, { FileName: 'diagram.png' })).toBe(true);
    expect(matchesPattern(pattern, { FileName: 'diagram.png.txt' })).toBe(false);
  });

  it('anything-but a string, a number, a list of strings and a list of numbers', () => {
    expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: 'initializing' }))).toBe(false);
    expect(matchesPattern({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, withDetail({ 'x-limit': 124 }))).toBe(true);
    expect(matchesPattern({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, withDetail({ 'x-limit': 123 }))).toBe(false);
    const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matchesPattern(states, withDetail({ state: 'pending' }))).toBe(true);
    expect(matchesPattern(states, withDetail({ state: 'overloaded' }))).toBe(false);
    const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matchesPattern(limits, withDetail({ 'x-limit': 150 }))).toBe(true);
    expect(matchesPattern(limits, withDetail({ 'x-limit': 200 }))).toBe(false);
  });

  it('anything-but a prefix: any "state" not starting with "init"', () => {
    const pattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matchesPattern(pattern, withDetail({ state: 'pending' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'initializing' }))).toBe(false);
  });

  it('anything-but a suffix, ignoring case, and a wildcard, from the operators table', () => {
    expect(matchesPattern({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.jpg' })).toBe(true);
    expect(matchesPattern({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.png' })).toBe(false);
    const ignoringCase = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
    expect(matchesPattern(ignoringCase, { state: 'INITIALIZING' })).toBe(false);
    expect(matchesPattern(ignoringCase, { state: 'running' })).toBe(true);
    const notLib = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
    expect(matchesPattern(notLib, { FilePath: '/usr/lib/node' })).toBe(false);
    expect(matchesPattern(notLib, { FilePath: '/usr/bin/node' })).toBe(true);
  });

  it('wildcard: * stands for any run of characters, the whole value must match', () => {
    const pattern = { FilePath: [{ wildcard: '*/lib/*' }] };
    expect(matchesPattern(pattern, { FilePath: '/usr/lib/node' })).toBe(true);
    expect(matchesPattern(pattern, { FilePath: '/usr/bin/node' })).toBe(false);
    expect(matchesPattern({ name: [{ wildcard: 'a\\*b' }] }, { name: 'a*b' })).toBe(true);
    expect(matchesPattern({ name: [{ wildcard: 'a\\*b' }] }, { name: 'axb' })).toBe(false);
  });

  it('numeric: all comparisons of the documented pattern must hold', () => {
    const pattern = { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } };
    expect(matchesPattern(pattern, withDetail({ 'c-count': 5, 'd-count': 9, 'x-limit': 301.8 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 0, 'd-count': 9, 'x-limit': 301.8 }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ 'c-count': '5', 'd-count': 9, 'x-limit': 301.8 }))).toBe(false);
  });

  it('cidr: 10.0.0.0/24', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.0.255' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.1.0' }))).toBe(false);
  });

  it('exists: the documented matching and non-matching events', () => {
    const pattern = { detail: { state: [{ exists: true }] } };
    expect(matchesPattern(pattern, ec2Pending)).toBe(true);
    expect(matchesPattern(pattern, noState)).toBe(false);
    expect(matchesPattern({ detail: { state: [{ exists: false }] } }, noState)).toBe(true);
  });

  it('exists works on leaf nodes only, not on an intermediate object', () => {
    expect(matchesPattern({ detail: { 'c-count': [{ exists: true }] } }, noState)).toBe(false);
  });

  it('equals-ignore-case: the documented pattern matches the documented event, whose detail-type is an array', () => {
    const pattern = { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] };
    expect(matchesPattern(pattern, noState)).toBe(true);
    expect(matchesPattern(pattern, ec2Pending)).toBe(true);
    expect(matchesPattern(pattern, { ...ec2Pending, 'detail-type': 'EC2 Spot Instance Interruption Warning' })).toBe(false);
  });

  it('the complex example: prefix, anything-but and numeric together', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const event = { ...ec2Pending, time: '2017-10-02T18:43:48Z', detail: { state: 'running', 'c-count': 3, 'd-count': 1, 'x-limit': 150 } };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { ...event.detail, 'x-limit': 300 } })).toBe(false);
  });

  it('$or: any one of the alternatives', () => {
    const pattern = {
      detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] },
    };
    expect(matchesPattern(pattern, withDetail({ 'd-count': 2 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 9, 'd-count': 20 }))).toBe(false);
  });

  it('a field the pattern names must be present; values are exact and case-sensitive', () => {
    expect(matchesPattern({ source: ['aws.ec2', 'aws.fargate'] }, ec2Pending)).toBe(true);
    expect(matchesPattern({ source: ['AWS.EC2'] }, ec2Pending)).toBe(false);
    expect(matchesPattern({ detail: { missing: ['x'] } }, ec2Pending)).toBe(false);
    expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, noState)).toBe(false);
  });
});
