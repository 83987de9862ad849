/**
 * An invitation's answer read by the API's schema: the invitation a person's session gets
 * (202), or the member the operator's key adds (201), said as the Team page says it.
 */
import { describe, expect, it } from 'vitest';
import { type AddMemberAnswer, interpretInvite, inviteMessage } from './invite-form';

const invitation = {
  id: 'inv_1',
  org_id: 'org_1',
  email: 'ana@example.com',
  role: 'admin',
  status: 'pending',
  invited_by: 'usr_1',
  created_at: '2026-12-04T00:00:00Z',
  expires_at: '2026-12-11T00:00:00Z',
  accepted_at: null,
  revoked_at: null,
  member_id: null,
} satisfies Extract<AddMemberAnswer, { invitation: unknown }>['invitation'];

describe('interpretInvite', () => {
  it('reads the invitation a session gets (202): sent, to accept before it expires', () => {
    const o = interpretInvite({ invitation });
    expect(o).toEqual({
      kind: 'invitation',
      email: 'ana@example.com',
      role: 'admin',
      expires_at: '2026-12-11T00:00:00Z',
    });
    expect(inviteMessage(o)).toBe(
      'Invitation sent to ana@example.com as admin. They join when they accept it.',
    );
  });

  it("reads the member the operator's key adds at once (201)", () => {
    const o = interpretInvite({ id: 'mem_2', email: 'bo@example.com', role: 'member', created_at: 'x' });
    expect(o).toEqual({ kind: 'member', email: 'bo@example.com', role: 'member' });
    expect(inviteMessage(o)).toMatch(/^bo@example.com is now a member of this org/);
  });
});
