import marshmallow as ma

from server.api.pairings.schemas import PairingSchema, RedeemSchema


class WebPairingRequestSchema(RedeemSchema):
    """`scene`: the code's scene, from the /m/<scene> link the phone's camera opened."""


class WebPairingSchema(PairingSchema):
    access_token = ma.fields.String(
        required=True, metadata={"description": "the phone session (send it on every call)"}
    )
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "seconds"})
    phone_id = ma.fields.Integer(required=True)
