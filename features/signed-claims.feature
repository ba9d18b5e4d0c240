@signed
Feature: Validly signed tokens with broken claims are refused
  A signature proves who made a token, not that its claims make sense. With
  the target's HS256 key (--signing-key; the embedded server's own key
  otherwise) the runner signs tokens whose claims or header are wrong, and
  every one of them must be refused with 401: never accepted, never a server
  error. Before the run the runner re-signs a valid token with the key and
  checks it is accepted, so a wrong key stops the run instead of passing it.

  @core
  Scenario: A valid token re-signed with the key is accepted
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {access:signed as is}"
    Then the status must be 200
    And the body's "id" must match the access token's user_id

  @core
  Scenario Outline: An access token signed <kind> is refused by the user endpoint
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {access:signed <kind>}"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"

    Examples:
      | kind                           |
      | without exp                    |
      | with a string exp              |
      | with a float exp               |
      | with a null exp                |
      | with an object exp             |
      | with a passed exp              |
      | with a future nbf              |
      | with a string nbf              |
      | with a string iat              |
      | with a float iat               |
      | with a null iat                |
      | without jti                    |
      | with a numeric jti             |
      | without token_type             |
      | with a numeric token_type      |
      | without user_id                |
      | with an object user_id         |
      | with the user_id of nobody     |
      | with an unknown crit extension |
      | with alg HS512                 |

  @core
  Scenario Outline: A refresh token signed <kind> is refused by the refresh endpoint
    Given I have logged in
    When I send POST to the refresh endpoint with the JSON body {"refresh": "{refresh:signed <kind>}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"

    Examples:
      | kind                           |
      | without exp                    |
      | with a string exp              |
      | with a float exp               |
      | with a future nbf              |
      | with a string iat              |
      | without jti                    |
      | without token_type             |
      | with an unknown crit extension |
      | with alg HS512                 |

  @verify
  Scenario Outline: A token signed <kind> does not verify
    Given I have logged in
    When I send POST to the verify endpoint with the JSON body {"token": "{access:signed <kind>}"}
    Then the status must be 401

    Examples:
      | kind                           |
      | without exp                    |
      | with a string exp              |
      | with a future nbf              |
      | with an unknown crit extension |
      | with alg HS512                 |
